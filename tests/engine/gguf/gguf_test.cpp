// GGUF reader/writer: fixture files read with the values llama.cpp's manifest records, round trips,
// and every corrupt-file case answered by a named error instead of a crash.
#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/gguf/gguf.h"
#include "engine/gguf/gguf_writer.h"
#include "tests/support/test_support.h"

using namespace tessera;

namespace {

GgufWriter small_model_writer() {
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    w.set_u32("llama.block_count", 2);
    w.set_f32("llama.rope.freq_base", 10000.0f);
    w.set_bool("tokenizer.ggml.add_bos_token", true);
    w.set("tokenizer.ggml.tokens", GgufValue::make_string_array({"<unk>", "<s>", "</s>", "a"}));
    w.set("nested", GgufValue::make_array(GgufType::ARRAY, {GgufValue::make_i32_array({1, 2}), GgufValue::make_i32_array({3})}));
    EXPECT_TRUE(w.add_tensor_f32("a", {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8}).is_ok());
    EXPECT_TRUE(w.add_tensor_f32("b", {3}, {9, 10, 11}).is_ok());
    return w;
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
    auto r = GgufFile::parse(bytes.data(), bytes.size(), "test.gguf");
    return r.is_ok() ? std::string() : r.status().to_string();
}

// Offset of the first byte of `needle` in bytes (for surgical corruption).
size_t find_bytes(const std::vector<uint8_t>& bytes, const std::string& needle) {
    for (size_t i = 0; i + needle.size() <= bytes.size(); ++i)
        if (std::memcmp(bytes.data() + i, needle.data(), needle.size()) == 0) return i;
    return std::string::npos;
}

}  // namespace

TEST(Gguf, RoundTripThroughWriter) {
    const auto bytes = small_model_writer().to_bytes();
    auto r = GgufFile::parse(bytes.data(), bytes.size(), "mem");
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    const GgufFile& f = *r.value();
    EXPECT_EQ(f.version(), 3u);
    EXPECT_EQ(f.get_string("general.architecture").value(), "llama");
    EXPECT_EQ(f.get_int("llama.block_count").value(), 2);
    EXPECT_FLOAT_EQ(static_cast<float>(f.get_float("llama.rope.freq_base").value()), 10000.0f);
    EXPECT_TRUE(f.get_bool_or("tokenizer.ggml.add_bos_token", false));
    auto toks = f.get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(toks.is_ok());
    EXPECT_EQ(toks.value(), (std::vector<std::string>{"<unk>", "<s>", "</s>", "a"}));
    const GgufValue* nested = f.find("nested");
    ASSERT_NE(nested, nullptr);
    ASSERT_EQ(nested->array_size(), 2u);
    EXPECT_EQ(nested->array[0].element(1).as_int(), 2);
    EXPECT_EQ(nested->array[1].element(0).as_int(), 3);
    // Compact storage decodes every element type back.
    EXPECT_EQ(f.find("tokenizer.ggml.tokens")->element(3).str, "a");
    const Tensor* a = f.find_tensor("a");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->ne[0], 4);
    EXPECT_EQ(a->ne[1], 2);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a->data) % 32, reinterpret_cast<uintptr_t>(bytes.data()) % 32);
    EXPECT_EQ(static_cast<const float*>(a->data)[7], 8.0f);
    EXPECT_EQ(static_cast<const float*>(f.find_tensor("b")->data)[2], 11.0f);
    // Wrong-typed lookups name the key and the types.
    auto bad = f.get_string("llama.block_count");
    ASSERT_FALSE(bad.is_ok());
    EXPECT_NE(bad.status().message().find("llama.block_count"), std::string::npos);
    EXPECT_NE(bad.status().message().find("uint32"), std::string::npos);
    EXPECT_FALSE(f.get_int("missing.key").is_ok());
}

TEST(Gguf, EveryTruncationIsANamedErrorNotACrash) {
    const auto bytes = small_model_writer().to_bytes();
    // The last tensor ('b', 3 floats) ends 20 bytes before the end: the rest is alignment padding,
    // which a file may legitimately lack.
    const size_t end_of_data = bytes.size() - 20;
    for (size_t n = 0; n < end_of_data; ++n) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
        const std::string err = parse_error(cut);
        ASSERT_FALSE(err.empty()) << "prefix of " << n << " bytes parsed as valid";
        EXPECT_NE(err.find("format_error"), std::string::npos) << err;
    }
}

TEST(Gguf, WrongMagic) {
    auto bytes = small_model_writer().to_bytes();
    std::memcpy(bytes.data(), "GGML", 4);
    const std::string err = parse_error(bytes);
    EXPECT_NE(err.find("not a GGUF file"), std::string::npos) << err;
    EXPECT_NE(err.find("GGML"), std::string::npos) << err;
}

TEST(Gguf, UnknownVersion) {
    auto bytes = small_model_writer().to_bytes();
    bytes[4] = 9;
    EXPECT_NE(parse_error(bytes).find("unknown GGUF version 9"), std::string::npos);
    bytes[4] = 1;
    EXPECT_NE(parse_error(bytes).find("version 1 is obsolete"), std::string::npos);
}

TEST(Gguf, TensorOutsideTheFile) {
    auto bytes = small_model_writer().to_bytes();
    // Tensor 'b' info: name, n_dims(1), ne[0]=3, type, offset -> push its offset far past the end.
    const size_t at = find_bytes(bytes, std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8) + "b");
    ASSERT_NE(at, std::string::npos);
    const size_t offset_pos = at + 9 + 4 + 8 + 4;
    const uint64_t far = 1u << 20;
    std::memcpy(bytes.data() + offset_pos, &far, 8);
    const std::string err = parse_error(bytes);
    EXPECT_NE(err.find("tensor 'b'"), std::string::npos) << err;
    EXPECT_NE(err.find("outside the file"), std::string::npos) << err;
}

TEST(Gguf, UnknownTensorTypeAndAbsurdDims) {
    {
        auto bytes = small_model_writer().to_bytes();
        const size_t at = find_bytes(bytes, std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8) + "b");
        const uint32_t bad_type = 77;
        std::memcpy(bytes.data() + at + 9 + 4 + 8, &bad_type, 4);
        const std::string err = parse_error(bytes);
        EXPECT_NE(err.find("tensor 'b' has unknown type id 77"), std::string::npos) << err;
    }
    {
        auto bytes = small_model_writer().to_bytes();
        const size_t at = find_bytes(bytes, std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8) + "b");
        const uint64_t huge = 1ull << 62;
        std::memcpy(bytes.data() + at + 9 + 4, &huge, 8);
        const std::string err = parse_error(bytes);
        EXPECT_NE(err.find("tensor 'b' has an absurd dimension"), std::string::npos) << err;
    }
    {
        auto bytes = small_model_writer().to_bytes();
        const size_t at = find_bytes(bytes, std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8) + "b");
        const uint32_t dims = 7;
        std::memcpy(bytes.data() + at + 9, &dims, 4);
        const std::string err = parse_error(bytes);
        EXPECT_NE(err.find("7 dimensions"), std::string::npos) << err;
    }
}

TEST(Gguf, HugeArrayCountIsRejectedBeforeAllocating) {
    auto bytes = small_model_writer().to_bytes();
    const size_t at = find_bytes(bytes, "tokenizer.ggml.tokens");
    ASSERT_NE(at, std::string::npos);
    const size_t count_pos = at + std::strlen("tokenizer.ggml.tokens") + 4 + 4;
    const uint64_t huge = 1ull << 60;
    std::memcpy(bytes.data() + count_pos, &huge, 8);
    const std::string err = parse_error(bytes);
    EXPECT_NE(err.find("tokenizer.ggml.tokens"), std::string::npos) << err;
    EXPECT_NE(err.find("does not fit"), std::string::npos) << err;
}

TEST(Gguf, UnsupportedTypeNamedByCheckTypes) {
    GgufWriter w;
    w.set_string("general.architecture", "llama");
    std::vector<uint8_t> iq(66, 0);  // one IQ2_XXS block of 256 values
    ASSERT_TRUE(w.add_tensor("blk.0.ffn_down.weight", DType::IQ2_XXS, {256}, iq).is_ok());
    const auto bytes = w.to_bytes();
    auto r = GgufFile::parse(bytes.data(), bytes.size(), "iq.gguf");
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    const Status s = r.value()->check_types();
    EXPECT_EQ(s.code(), ErrorCode::unsupported);
    EXPECT_NE(s.message().find("blk.0.ffn_down.weight"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("IQ2_XXS"), std::string::npos) << s.message();
}

TEST(Gguf, MissingFileIsIoError) {
    auto r = GgufFile::open("/nonexistent/model.gguf");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::io_error);
    EXPECT_NE(r.status().message().find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(Gguf, RandomByteFlipsNeverCrash) {
    const auto clean = small_model_writer().to_bytes();
    uint64_t x = 12345;
    for (int iter = 0; iter < 3000; ++iter) {
        auto bytes = clean;
        for (int k = 0; k < 3; ++k) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            bytes[x % bytes.size()] = static_cast<uint8_t>(x >> 32);
        }
        auto r = GgufFile::parse(bytes.data(), bytes.size(), "fuzz");
        if (r.is_ok()) {
            for (const auto& t : r.value()->tensors()) {  // every accepted tensor lies inside the buffer
                const auto* p = static_cast<const uint8_t*>(t.tensor.data);
                ASSERT_GE(p, bytes.data());
                ASSERT_LE(p + t.tensor.nbytes, bytes.data() + bytes.size());
            }
        }
    }
}

// The fixture's manifest (written by the generator from llama.cpp's view of the file) agrees with
// what our reader sees: metadata values, tensor types and shapes.
TEST(GgufFixture, MetadataAndTensorsMatchManifest) {
    for (const char* name : {"llama-q4_k_m", "qwen3moe-q6_k", "deepseek2-q4_0", "gemma3-f32"}) {
        const auto model = test::fixture(std::string("text/") + name + ".gguf");
        TESSERA_REQUIRE_FIXTURE(model);
        const auto manifest = nlohmann::json::parse(test::read_text_file(test::fixture(std::string("text/") + name + ".ref.json")));
        auto r = GgufFile::open(model.string());
        ASSERT_TRUE(r.is_ok()) << r.status().to_string();
        const GgufFile& f = *r.value();
        EXPECT_TRUE(f.check_types().is_ok()) << f.check_types().to_string();
        for (const auto& [key, value] : manifest["gguf_metadata"].items()) {
            const GgufValue* v = f.find(key);
            ASSERT_NE(v, nullptr) << key;
            if (value.is_string()) EXPECT_EQ(v->str, value.get<std::string>()) << key;
            else if (value.is_number_integer()) EXPECT_EQ(v->as_int(), value.get<int64_t>()) << key;
            else if (value.is_number_float()) EXPECT_NEAR(v->as_double(), value.get<double>(), 1e-6 * std::abs(value.get<double>())) << key;
        }
        const auto& types = manifest["tensor_types"]["per_tensor"];
        const auto& shapes = manifest["tensor_shapes_ggml_ne"];
        EXPECT_EQ(f.tensors().size(), shapes.size());
        for (const auto& [tname, ne] : shapes.items()) {
            const Tensor* t = f.find_tensor(tname);
            ASSERT_NE(t, nullptr) << tname;
            EXPECT_EQ(dtype_name(t->type), types[tname].get<std::string>()) << tname;
            for (size_t d = 0; d < ne.size(); ++d) EXPECT_EQ(t->ne[d], ne[d].get<int64_t>()) << tname;
        }
    }
}

TEST(GgufFixture, VocabOnlyFileHasTokenizer) {
    const auto path = test::fixture("vocab/ggml-vocab-gpt-2.gguf");
    TESSERA_REQUIRE_FIXTURE(path);
    auto r = GgufFile::open(path.string());
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r.value()->get_string("tokenizer.ggml.model").value(), "gpt2");
    auto toks = r.value()->get_string_array("tokenizer.ggml.tokens");
    ASSERT_TRUE(toks.is_ok());
    EXPECT_EQ(toks.value().size(), 50257u);
    EXPECT_EQ(toks.value()[0], "!");
}
