#pragma once
// Minimal option parsing for tessera-cli: `-m X`, `--temp 0`, flags; unknown options are errors.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tessera::cli {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Args {
public:
    // `with_value`: options that take a value; `flags`: options that don't. Aliases map short to long.
    Args(int argc, char** argv, int first, const std::set<std::string>& with_value, const std::set<std::string>& flags,
         const std::map<std::string, std::string>& aliases = {});

    bool has(const std::string& name) const { return values_.count(name) > 0; }
    std::string str(const std::string& name, const std::string& fallback = "") const;
    std::string required(const std::string& name) const;
    int64_t integer(const std::string& name, int64_t fallback) const;
    double number(const std::string& name, double fallback) const;
    // "1,2,3" -> {1,2,3}
    std::vector<int32_t> int_list(const std::string& name) const;

private:
    std::map<std::string, std::string> values_;
};

}  // namespace tessera::cli
