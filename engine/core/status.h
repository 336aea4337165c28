#pragma once
// Typed errors for the engine's public API: nothing that reads user input aborts; it returns a Status.
#include <string>
#include <utility>
#include <variant>

namespace tessera {

enum class ErrorCode {
    ok = 0,
    invalid_argument,  // caller passed something that cannot work (bad shape, bad option)
    io_error,          // open/read/mmap/write failed
    format_error,      // a file is not what it claims to be (bad magic, truncated, out-of-bounds)
    unsupported,       // valid input that this build does not handle (IQ* types, unknown arch)
    out_of_range,      // a value exceeds a limit (token id, dimension)
    context_overflow,  // prompt + generation would exceed the context window
    cancelled,         // the caller asked to stop
    device_error,      // CUDA or other accelerator failure
    internal,          // a bug: an invariant did not hold
};

const char* error_code_name(ErrorCode code);

class [[nodiscard]] Status {
public:
    Status() = default;
    Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

    static Status ok() { return {}; }
    bool is_ok() const { return code_ == ErrorCode::ok; }
    explicit operator bool() const { return is_ok(); }
    ErrorCode code() const { return code_; }
    const std::string& message() const { return message_; }
    // "format_error: tensor 'blk.0.attn_q.weight' ..."
    std::string to_string() const;

private:
    ErrorCode code_ = ErrorCode::ok;
    std::string message_;
};

inline Status make_error(ErrorCode code, std::string message) { return Status(code, std::move(message)); }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}               // NOLINT(implicit)
    Result(Status status) : v_(std::move(status)) {}         // NOLINT(implicit)

    bool is_ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return is_ok(); }
    const Status& status() const {
        static const Status ok_status;
        return is_ok() ? ok_status : std::get<Status>(v_);
    }
    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T* operator->() { return &std::get<T>(v_); }
    const T* operator->() const { return &std::get<T>(v_); }
    T& operator*() & { return std::get<T>(v_); }

private:
    std::variant<T, Status> v_;
};

}  // namespace tessera

// Propagate a failed Status from an expression returning Status.
#define TS_RETURN_IF_ERROR(expr)                 \
    do {                                         \
        ::tessera::Status ts_status_ = (expr);   \
        if (!ts_status_.is_ok()) return ts_status_; \
    } while (0)

#define TS_CONCAT_INNER(a, b) a##b
#define TS_CONCAT(a, b) TS_CONCAT_INNER(a, b)
// Unwrap a Result<T> into `lhs`, or return its Status.
#define TS_ASSIGN_OR_RETURN(lhs, expr) TS_ASSIGN_OR_RETURN_IMPL(TS_CONCAT(ts_result_, __LINE__), lhs, expr)
#define TS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                           \
    if (!tmp.is_ok()) return tmp.status();       \
    lhs = std::move(tmp).value()
