#include "app/cli/cli_args.h"

#include <cerrno>
#include <cstdlib>

namespace tessera::cli {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& with_value,
           const std::set<std::string>& flags, const std::map<std::string, std::string>& aliases) {
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (auto it = aliases.find(a); it != aliases.end()) a = it->second;
        if (with_value.count(a)) {
            if (i + 1 >= argc) throw UsageError("option " + a + " needs a value");
            values_[a] = argv[++i];
        } else if (flags.count(a)) {
            values_[a] = "1";
        } else {
            throw UsageError("unknown option '" + a + "'");
        }
    }
}

std::string Args::str(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

std::string Args::required(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw UsageError("missing required option " + name);
    return it->second;
}

int64_t Args::integer(const std::string& name, int64_t fallback) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    if (errno || end == it->second.c_str() || *end)
        throw UsageError("option " + name + " expects an integer, got '" + it->second + "'");
    return v;
}

double Args::number(const std::string& name, double fallback) const {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(it->second.c_str(), &end);
    if (errno || end == it->second.c_str() || *end)
        throw UsageError("option " + name + " expects a number, got '" + it->second + "'");
    return v;
}

std::vector<int32_t> Args::int_list(const std::string& name) const {
    std::vector<int32_t> out;
    const std::string s = required(name);
    size_t pos = 0;
    while (pos <= s.size()) {
        const size_t comma = s.find(',', pos);
        const std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || errno || *end || v < INT32_MIN || v > INT32_MAX)
            throw UsageError("option " + name + ": '" + item + "' is not a token id");
        out.push_back(static_cast<int32_t>(v));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

}  // namespace tessera::cli
