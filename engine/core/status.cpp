#include "engine/core/status.h"

namespace tessera {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::ok: return "ok";
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::io_error: return "io_error";
        case ErrorCode::format_error: return "format_error";
        case ErrorCode::unsupported: return "unsupported";
        case ErrorCode::out_of_range: return "out_of_range";
        case ErrorCode::context_overflow: return "context_overflow";
        case ErrorCode::cancelled: return "cancelled";
        case ErrorCode::device_error: return "device_error";
        case ErrorCode::internal: return "internal";
    }
    return "unknown";
}

std::string Status::to_string() const {
    if (is_ok()) return "ok";
    return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace tessera
