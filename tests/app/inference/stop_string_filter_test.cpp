// StopStringFilter: streamed text never shows a stop string, not even its first bytes, and text that
// only looked like the start of one is released as soon as it stops matching.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/services/stop_string_filter.h"

namespace tessera {
namespace {

// Pushes the pieces one by one; returns what was released after each push, then the flush.
std::vector<std::string> feed(StopStringFilter& f, const std::vector<std::string>& pieces) {
    std::vector<std::string> out;
    for (const auto& p : pieces) out.push_back(f.push(p));
    out.push_back(f.flush());
    return out;
}

TEST(StopStringFilter, NoStopStringsPassesEverythingThrough) {
    StopStringFilter f({});
    EXPECT_EQ(feed(f, {"ab", "<", "c"}), (std::vector<std::string>{"ab", "<", "c", ""}));
    EXPECT_FALSE(f.stopped());
}

TEST(StopStringFilter, StopStringSplitOverThreePiecesIsNeverShown) {
    StopStringFilter f({"<|end|>"});
    // "Hi <|" -> "Hi " is safe, "<|" could start the stop string.
    EXPECT_EQ(f.push("Hi <|"), "Hi ");
    EXPECT_EQ(f.heldBytes(), 2u);
    EXPECT_EQ(f.push("en"), "");
    EXPECT_EQ(f.push("d|> and more"), "");
    EXPECT_TRUE(f.stopped());
    EXPECT_EQ(f.matchedStopString(), "<|end|>");
    EXPECT_EQ(f.push("later"), "");
    EXPECT_EQ(f.flush(), "");
}

TEST(StopStringFilter, HeldTextIsReleasedWhenTheMatchBreaks) {
    StopStringFilter f({"STOP"});
    EXPECT_EQ(f.push("a ST"), "a ");
    EXPECT_EQ(f.push("ORM"), "STORM");  // "STO" + "R": no longer a prefix of "STOP"
    EXPECT_FALSE(f.stopped());
    EXPECT_EQ(f.push("S"), "");
    EXPECT_EQ(f.flush(), "S");  // end of generation: it never became "STOP"
}

TEST(StopStringFilter, EarliestOfSeveralStopStringsWins) {
    StopStringFilter f({"world", "lo w"});
    EXPECT_EQ(f.push("hello world"), "hel");
    EXPECT_TRUE(f.stopped());
    EXPECT_EQ(f.matchedStopString(), "lo w");
}

TEST(StopStringFilter, StopStringInsideOnePieceCutsThatPiece) {
    StopStringFilter f({"\n\n"});
    EXPECT_EQ(f.push("line one\n"), "line one");
    EXPECT_EQ(f.push("\nline two"), "");
    EXPECT_TRUE(f.stopped());
}

TEST(StopStringFilter, HoldsTheLongestPossibleStartAcrossStopStrings) {
    // "ab" is a proper prefix of "abc"; "b" alone is a prefix of "bx": hold the longer one.
    StopStringFilter f({"abc", "bx"});
    EXPECT_EQ(f.push("zab"), "z");
    EXPECT_EQ(f.heldBytes(), 2u);
    EXPECT_EQ(f.push("x"), "a");  // "abx" contains "bx"
    EXPECT_TRUE(f.stopped());
    EXPECT_EQ(f.matchedStopString(), "bx");
}

TEST(StopStringFilter, MultiByteCharactersAreHeldWhole) {
    // Stop string "éé" (C3 A9 C3 A9). "xé" ends with the first character of it.
    StopStringFilter f({"\xC3\xA9\xC3\xA9"});
    EXPECT_EQ(f.push("x\xC3\xA9"), "x");
    EXPECT_EQ(f.push("y"), "\xC3\xA9y");
    EXPECT_EQ(f.push("\xC3\xA9\xC3\xA9!"), "");
    EXPECT_TRUE(f.stopped());
}

TEST(StopStringFilter, EmptyStopStringsAreIgnored) {
    StopStringFilter f({"", "zz"});
    EXPECT_EQ(f.push("abc"), "abc");
    EXPECT_FALSE(f.stopped());
}

}  // namespace
}  // namespace tessera
