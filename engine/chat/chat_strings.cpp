#include "engine/chat/chat_strings.h"

#include <algorithm>

#include "engine/chat/chat_value.h"

namespace tessera::chat {

// ---- case mapping ----

char32_t py_to_upper(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
    if (c == 0xB5) return 0x39C;
    if (c == 0xFF) return 0x178;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x131) return 'I';
        if (c == 0x17F) return 'S';
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 0) ? c - 1 : c;
        if (c == 0x130 || c == 0x138 || c == 0x149 || c == 0x178) return c;
        return (c % 2 == 1) ? c - 1 : c;
    }
    if (c >= 0x3B1 && c <= 0x3C9) return c == 0x3C2 ? 0x3A3 : c - 32;
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 37;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    if (c >= 0xFF41 && c <= 0xFF5A) return c - 32;
    return c;
}

char32_t py_to_lower(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130) return 'i';
        if (c == 0x178) return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
        return (c % 2 == 0) ? c + 1 : c;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0xFF21 && c <= 0xFF3A) return c + 32;
    return c;
}

bool py_is_cased(char32_t c) { return py_to_upper(c) != c || py_to_lower(c) != c || c == 0xDF || c == 0x138; }

bool py_is_alpha(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (py_is_cased(c)) return true;
    // CJK, kana, hangul, Arabic, Hebrew, Devanagari... treated as letters
    return (c >= 0x5D0 && c <= 0x6FF) || (c >= 0x900 && c <= 0x97F) || (c >= 0x3040 && c <= 0x30FF) ||
           (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xAA && c <= 0xBA && c != 0xB0);
}

bool py_is_digit(char32_t c) { return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19); }

namespace {

template <class F>
std::string map_cps(std::string_view s, F f) {
    std::string out;
    out.reserve(s.size());
    if (is_ascii(s)) {
        for (char ch : s) out += static_cast<char>(f(static_cast<char32_t>(ch)));
        return out;
    }
    for (char32_t c : utf8_decode(s)) utf8_append(out, f(c));
    return out;
}

// Upper-casing that expands (ß -> SS).
void append_upper(std::string& out, char32_t c) {
    if (c == 0xDF) {
        out += "SS";
        return;
    }
    utf8_append(out, py_to_upper(c));
}

}  // namespace

std::string py_upper(std::string_view s) {
    if (is_ascii(s)) return map_cps(s, py_to_upper);
    std::string out;
    for (char32_t c : utf8_decode(s)) append_upper(out, c);
    return out;
}

std::string py_lower(std::string_view s) { return map_cps(s, py_to_lower); }

std::string py_swapcase(std::string_view s) {
    return map_cps(s, [](char32_t c) {
        const char32_t u = py_to_upper(c);
        return u != c ? u : py_to_lower(c);
    });
}

std::string py_capitalize(std::string_view s) {
    std::string out;
    bool first = true;
    for (char32_t c : utf8_decode(s)) {
        if (first) append_upper(out, c);
        else utf8_append(out, py_to_lower(c));
        first = false;
    }
    return out;
}

std::string py_title(std::string_view s) {
    std::string out;
    bool prev_cased = false;
    for (char32_t c : utf8_decode(s)) {
        if (py_is_cased(c)) {
            if (prev_cased) utf8_append(out, py_to_lower(c));
            else append_upper(out, c);
            prev_cased = true;
        } else {
            utf8_append(out, c);
            prev_cased = false;
        }
    }
    return out;
}

// ---- strip / split ----

std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
    std::u32string cps = utf8_decode(s);
    std::u32string set;
    if (chars) set = utf8_decode(*chars);
    auto strip_it = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_py_space(c); };
    size_t b = 0, e = cps.size();
    if (left)
        while (b < e && strip_it(cps[b])) ++b;
    if (right)
        while (e > b && strip_it(cps[e - 1])) --e;
    return utf8_encode(std::u32string_view(cps).substr(b, e - b));
}

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
    std::vector<std::string> out;
    if (sep) {
        if (sep->empty()) throw_value_error("empty separator");
        size_t pos = 0;
        while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
            const size_t hit = s.find(*sep, pos);
            if (hit == std::string_view::npos) break;
            out.emplace_back(s.substr(pos, hit - pos));
            pos = hit + sep->size();
            budget_tick();
        }
        out.emplace_back(s.substr(pos));
        return out;
    }
    const std::u32string cps = utf8_decode(s);
    size_t i = 0;
    const size_t n = cps.size();
    for (;;) {
        while (i < n && is_py_space(cps[i])) ++i;
        if (i >= n) break;
        if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
            out.push_back(utf8_encode(std::u32string_view(cps).substr(i)));
            break;
        }
        size_t j = i;
        while (j < n && !is_py_space(cps[j])) ++j;
        out.push_back(utf8_encode(std::u32string_view(cps).substr(i, j - i)));
        i = j;
        budget_tick();
    }
    return out;
}

std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
    std::vector<std::string> out;
    if (sep) {
        if (sep->empty()) throw_value_error("empty separator");
        size_t end = s.size();
        while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
            if (end < sep->size()) break;
            const size_t hit = s.rfind(*sep, end - sep->size());
            if (hit == std::string_view::npos) break;
            out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
            end = hit;
            budget_tick();
        }
        out.emplace_back(s.substr(0, end));
        std::reverse(out.begin(), out.end());
        return out;
    }
    const std::u32string cps = utf8_decode(s);
    size_t j = cps.size();
    for (;;) {
        while (j > 0 && is_py_space(cps[j - 1])) --j;
        if (j == 0) break;
        if (maxsplit >= 0 && static_cast<int64_t>(out.size()) >= maxsplit) {
            out.push_back(utf8_encode(std::u32string_view(cps).substr(0, j)));
            break;
        }
        size_t i = j;
        while (i > 0 && !is_py_space(cps[i - 1])) --i;
        out.push_back(utf8_encode(std::u32string_view(cps).substr(i, j - i)));
        j = i;
        budget_tick();
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
    std::vector<std::string> out;
    const std::u32string cps = utf8_decode(s);
    size_t start = 0, i = 0;
    const size_t n = cps.size();
    while (i < n) {
        const char32_t c = cps[i];
        const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                         c == 0x85 || c == 0x2028 || c == 0x2029;
        if (!brk) {
            ++i;
            continue;
        }
        size_t eol = i + 1;
        if (c == '\r' && eol < n && cps[eol] == '\n') ++eol;
        out.push_back(utf8_encode(std::u32string_view(cps).substr(start, (keepends ? eol : i) - start)));
        start = i = eol;
    }
    if (start < n) out.push_back(utf8_encode(std::u32string_view(cps).substr(start)));
    return out;
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
    std::string out;
    if (old.empty()) {
        // Python inserts `repl` between every code point (and at both ends)
        const std::u32string cps = utf8_decode(s);
        int64_t done = 0;
        for (size_t i = 0; i <= cps.size(); ++i) {
            if (count < 0 || done < count) {
                out += repl;
                ++done;
            }
            if (i < cps.size()) utf8_append(out, cps[i]);
            budget_check_size(out.size());
        }
        return out;
    }
    size_t pos = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
        const size_t hit = s.find(old, pos);
        if (hit == std::string_view::npos) break;
        out.append(s.substr(pos, hit - pos));
        out.append(repl);
        budget_check_size(out.size());
        pos = hit + old.size();
        ++done;
    }
    out.append(s.substr(pos));
    budget_check_size(out.size());
    return out;
}

namespace {

// Normalises Python [start, end) indexes against a length.
void norm_range(int64_t len, std::optional<int64_t> start, std::optional<int64_t> end, int64_t& b, int64_t& e) {
    b = start.value_or(0);
    e = end.value_or(len);
    if (b < 0) b = std::max<int64_t>(0, b + len);
    if (e < 0) e = std::max<int64_t>(0, e + len);
    e = std::min(e, len);
}

}  // namespace

std::string py_substr(std::string_view s, std::optional<int64_t> start, std::optional<int64_t> end) {
    const std::u32string cps = utf8_decode(s);
    int64_t b, e;
    norm_range(static_cast<int64_t>(cps.size()), start, end, b, e);
    if (b > static_cast<int64_t>(cps.size())) return {};
    if (e <= b) return {};
    return utf8_encode(std::u32string_view(cps).substr(static_cast<size_t>(b), static_cast<size_t>(e - b)));
}

int64_t py_find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
                bool reverse) {
    const std::u32string cps = utf8_decode(s);
    const std::u32string needle = utf8_decode(sub);
    int64_t b, e;
    norm_range(static_cast<int64_t>(cps.size()), start, end, b, e);
    if (b > static_cast<int64_t>(cps.size()) || e - b < static_cast<int64_t>(needle.size())) return -1;
    const std::u32string_view hay = std::u32string_view(cps).substr(static_cast<size_t>(b), static_cast<size_t>(e - b));
    const size_t hit = reverse ? hay.rfind(needle) : hay.find(needle);
    return hit == std::u32string_view::npos ? -1 : b + static_cast<int64_t>(hit);
}

int64_t py_count(std::string_view s, std::string_view sub, std::optional<int64_t> start,
                 std::optional<int64_t> end) {
    const std::u32string cps = utf8_decode(s);
    const std::u32string needle = utf8_decode(sub);
    int64_t b, e;
    norm_range(static_cast<int64_t>(cps.size()), start, end, b, e);
    if (b > static_cast<int64_t>(cps.size()) || e < b) return 0;
    const std::u32string_view hay = std::u32string_view(cps).substr(static_cast<size_t>(b), static_cast<size_t>(e - b));
    if (needle.empty()) return static_cast<int64_t>(hay.size()) + 1;
    int64_t n = 0;
    size_t pos = 0;
    while ((pos = hay.find(needle, pos)) != std::u32string_view::npos) {
        ++n;
        pos += needle.size();
    }
    return n;
}

std::string py_pad(std::string_view s, int64_t width, char32_t fill, int align) {
    const int64_t len = static_cast<int64_t>(utf8_length(s));
    if (width <= len) return std::string(s);
    budget_check_size(static_cast<size_t>(width) * 4);
    const int64_t marg = width - len;
    int64_t left = 0;
    if (align == 0) left = marg / 2 + (marg & width & 1);
    else if (align > 0) left = marg;
    std::string out;
    for (int64_t k = 0; k < left; ++k) utf8_append(out, fill);
    out += s;
    for (int64_t k = 0; k < marg - left; ++k) utf8_append(out, fill);
    return out;
}

}  // namespace tessera::chat
