#include "app/services/stop_string_filter.h"

#include <algorithm>
#include <utility>

namespace tessera {

StopStringFilter::StopStringFilter(std::vector<std::string> stopStrings) {
    for (auto& s : stopStrings)
        if (!s.empty()) m_stops.push_back(std::move(s));
}

std::string StopStringFilter::push(std::string_view text) {
    if (m_stopped) return {};
    m_held.append(text);
    if (m_stops.empty()) return std::exchange(m_held, {});

    // The earliest complete stop string wins.
    size_t best = std::string::npos;
    for (const auto& s : m_stops) {
        const size_t pos = m_held.find(s);
        if (pos < best) {
            best = pos;
            m_matched = s;
        }
    }
    if (best != std::string::npos) {
        m_stopped = true;
        std::string out = m_held.substr(0, best);
        m_held.clear();
        return out;
    }

    // Keep the longest suffix that is a proper prefix of some stop string.
    size_t hold = 0;
    for (const auto& s : m_stops) {
        const size_t maxLen = std::min(s.size() - 1, m_held.size());
        for (size_t len = maxLen; len > hold; --len) {
            if (std::string_view(m_held).substr(m_held.size() - len) == std::string_view(s).substr(0, len)) {
                hold = len;
                break;
            }
        }
    }
    std::string out = m_held.substr(0, m_held.size() - hold);
    m_held.erase(0, m_held.size() - hold);
    return out;
}

std::string StopStringFilter::flush() {
    if (m_stopped) return {};
    return std::exchange(m_held, {});
}

}  // namespace tessera
