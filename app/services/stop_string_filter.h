#pragma once
// Holds back streamed text that could be the beginning of a stop string, so that a stop string
// split over several tokens ("<|e" + "nd|>") is never shown, not even in part.
//
// Text goes in as complete UTF-8 characters (StreamingDecoder output); what comes out is also cut at
// character boundaries, because a held suffix always starts where a (valid UTF-8) stop string starts.
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

class StopStringFilter {
public:
    explicit StopStringFilter(std::vector<std::string> stopStrings);

    // Appends `text`; returns the text that can be shown now. When a stop string completes, returns
    // the text before it, drops the rest and stopped() becomes true; later pushes return "".
    std::string push(std::string_view text);
    // End of generation: returns whatever is held (it did not turn into a stop string).
    std::string flush();

    bool stopped() const { return m_stopped; }
    const std::string& matchedStopString() const { return m_matched; }
    size_t heldBytes() const { return m_held.size(); }

private:
    std::vector<std::string> m_stops;  // non-empty stop strings
    std::string m_held;
    std::string m_matched;
    bool m_stopped = false;
};

}  // namespace tessera
