#pragma once
// Python str operations on UTF-8 strings, per code point where Python counts code points.
// Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic and fullwidth Latin.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::chat {

char32_t py_to_upper(char32_t c);
char32_t py_to_lower(char32_t c);
bool py_is_cased(char32_t c);
bool py_is_alpha(char32_t c);
bool py_is_digit(char32_t c);

std::string py_upper(std::string_view s);
std::string py_lower(std::string_view s);
std::string py_swapcase(std::string_view s);
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string py_title(std::string_view s);       // str.title()

// str.strip / lstrip / rstrip; chars nullopt = whitespace.
std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// str.split / rsplit; sep nullopt = runs of whitespace; maxsplit < 0 = no limit.
std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
std::string py_replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
// str.find / rfind / count over [start, end) in code points (None = nullopt); -1 if absent.
int64_t py_find(std::string_view s, std::string_view sub, std::optional<int64_t> start, std::optional<int64_t> end,
                bool reverse);
int64_t py_count(std::string_view s, std::string_view sub, std::optional<int64_t> start,
                 std::optional<int64_t> end);
// Code point substring [start, end) after Python index normalisation (used by startswith/endswith).
std::string py_substr(std::string_view s, std::optional<int64_t> start, std::optional<int64_t> end);
std::string py_pad(std::string_view s, int64_t width, char32_t fill, int align);  // align -1 left, 0 center, 1 right

}  // namespace tessera::chat
