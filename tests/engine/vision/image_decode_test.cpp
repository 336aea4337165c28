// Image decoding (engine/media/image.h): every format round-trips, JPEG EXIF orientation is applied,
// GIF's first frame decodes (plain and interlaced), and truncated, corrupt, unknown or oversized files
// give an error naming the file -- never a crash. Plus llama.cpp's resizers on values worked by hand.
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/media/image.h"
#include "engine/media/image_resize.h"
#include "tests/support/test_support.h"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

ImageU8 gradient(int w, int h) {
    ImageU8 img;
    img.width = w;
    img.height = h;
    img.rgb.resize(static_cast<size_t>(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t* p = img.pixel(x, y);
            p[0] = static_cast<uint8_t>(x * 255 / std::max(1, w - 1));
            p[1] = static_cast<uint8_t>(y * 255 / std::max(1, h - 1));
            p[2] = static_cast<uint8_t>((x * 7 + y * 13) % 256);
        }
    return img;
}

fs::path write_temp(const std::string& name, const std::vector<uint8_t>& bytes) {
    const fs::path dir = fs::temp_directory_path() / ("tessera-image-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p;
}

#define REQUIRE_CODECS() \
    if (!image_codecs_available()) GTEST_SKIP() << "built without OpenCV"

TEST(ImageDecode, LosslessFormatsRoundTripExactly) {
    REQUIRE_CODECS();
    const ImageU8 img = gradient(37, 23);
    for (ImageFormat f : {ImageFormat::png, ImageFormat::bmp, ImageFormat::tiff, ImageFormat::webp}) {
        SCOPED_TRACE(image_format_name(f));
        auto bytes = encode_image(img, f, 101);  // WebP quality > 100: lossless
        ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
        EXPECT_EQ(probe_image(bytes->data(), bytes->size()).format, f);
        EXPECT_EQ(probe_image(bytes->data(), bytes->size()).width, 37);
        EXPECT_EQ(probe_image(bytes->data(), bytes->size()).height, 23);
        auto back = decode_image(bytes->data(), bytes->size(), "mem");
        ASSERT_TRUE(back.is_ok()) << back.status().to_string();
        EXPECT_EQ(back->width, 37);
        EXPECT_EQ(back->height, 23);
        EXPECT_EQ(back->rgb, img.rgb);
    }
}

TEST(ImageDecode, JpegIsCloseAndHonoursExifOrientation) {
    REQUIRE_CODECS();
    // 40x20: left half red, right half blue.
    ImageU8 img;
    img.width = 40;
    img.height = 20;
    img.rgb.resize(40 * 20 * 3);
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 40; ++x) {
            uint8_t* p = img.pixel(x, y);
            p[0] = x < 20 ? 230 : 10;
            p[1] = 10;
            p[2] = x < 20 ? 10 : 230;
        }
    auto jpg = encode_image(img, ImageFormat::jpeg, 95);
    ASSERT_TRUE(jpg.is_ok()) << jpg.status().to_string();
    auto plain = decode_image(jpg->data(), jpg->size(), "plain.jpg");
    ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
    ASSERT_EQ(plain->width, 40);
    EXPECT_GT(plain->pixel(5, 10)[0], 200);
    EXPECT_GT(plain->pixel(35, 10)[2], 200);

    // Insert an APP1 Exif segment after SOI with Orientation = 6 (rotate 90 degrees clockwise to
    // display): the left (red) half ends up on top of a 20x40 image.
    const uint8_t tiff[] = {'I', 'I', 42, 0, 8, 0, 0, 0,            // header, IFD at 8
                            1, 0,                                   // one entry
                            0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,  // Orientation SHORT 1 = 6
                            0, 0, 0, 0};                            // no next IFD
    std::vector<uint8_t> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
    app1.insert(app1.end(), std::begin(tiff), std::end(tiff));
    const size_t len = app1.size() - 2;
    app1[2] = static_cast<uint8_t>(len >> 8);
    app1[3] = static_cast<uint8_t>(len & 0xFF);
    std::vector<uint8_t> rotated(jpg->begin(), jpg->begin() + 2);
    rotated.insert(rotated.end(), app1.begin(), app1.end());
    rotated.insert(rotated.end(), jpg->begin() + 2, jpg->end());
    auto r = decode_image(rotated.data(), rotated.size(), "rotated.jpg");
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->width, 20);
    ASSERT_EQ(r->height, 40);
    EXPECT_GT(r->pixel(10, 5)[0], 200);   // top: red
    EXPECT_GT(r->pixel(10, 35)[2], 200);  // bottom: blue
}

TEST(ImageDecode, TruncatedFilesAreErrorsNamingTheFile) {
    REQUIRE_CODECS();
    const ImageU8 img = gradient(64, 48);
    for (ImageFormat f : {ImageFormat::png, ImageFormat::jpeg, ImageFormat::webp, ImageFormat::bmp, ImageFormat::tiff}) {
        SCOPED_TRACE(image_format_name(f));
        auto bytes = encode_image(img, f, 90);
        ASSERT_TRUE(bytes.is_ok());
        // Every prefix (in steps) fails cleanly; the full file decodes.
        for (size_t n = 0; n < bytes->size(); n += std::max<size_t>(1, bytes->size() / 61)) {
            auto r = decode_image(bytes->data(), n, "cut.img");
            ASSERT_FALSE(r.is_ok()) << "prefix of " << n << " bytes decoded";
            EXPECT_NE(r.status().message().find("cut.img"), std::string::npos) << r.status().message();
        }
        EXPECT_TRUE(decode_image(bytes->data(), bytes->size(), "full.img").is_ok());
    }
    // Through the file API: half a PNG.
    auto png = encode_image(img, ImageFormat::png);
    ASSERT_TRUE(png.is_ok());
    const fs::path half = write_temp("half.png", std::vector<uint8_t>(png->begin(), png->begin() + png->size() / 2));
    auto r = load_image_file(half.string());
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::format_error);
    EXPECT_NE(r.status().message().find(half.string()), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
}

TEST(ImageDecode, CorruptUnknownMissingAndOversized) {
    REQUIRE_CODECS();
    // A PNG whose image data is damaged (CRC no longer matches): an error, not garbage or a crash.
    auto png = encode_image(gradient(64, 48), ImageFormat::png);
    ASSERT_TRUE(png.is_ok());
    std::vector<uint8_t> bad = *png;
    for (size_t i = 0; i + 8 < bad.size(); ++i)
        if (!std::memcmp(&bad[i], "IDAT", 4)) {
            for (size_t k = 8; k < 40; ++k) bad[i + k] ^= 0x5A;
            break;
        }
    auto r = decode_image(bad.data(), bad.size(), "damaged.png");
    EXPECT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("damaged.png"), std::string::npos) << r.status().message();

    const std::vector<uint8_t> junk = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!', 0, 1, 2, 3};
    r = decode_image(junk.data(), junk.size(), "notes.txt");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::unsupported);
    EXPECT_NE(r.status().message().find("notes.txt"), std::string::npos);

    r = load_image_file("/nonexistent/dir/photo.png");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::io_error);
    EXPECT_NE(r.status().message().find("/nonexistent/dir/photo.png"), std::string::npos);

    // A PNG header claiming 30000 x 30000: refused from the header, before any pixel memory.
    std::vector<uint8_t> huge = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                 0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0, 0, 0, 0, 0,
                                 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    r = decode_image(huge.data(), huge.size(), "huge.png");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::out_of_range);
    EXPECT_NE(r.status().message().find("30000 x 30000"), std::string::npos) << r.status().message();
}

TEST(ImageDecode, LargeJpegIsDecodedReducedWithinTheLimit) {
    REQUIRE_CODECS();
    auto jpg = encode_image(gradient(1200, 800), ImageFormat::jpeg, 90);
    ASSERT_TRUE(jpg.is_ok());
    ImageDecodeOptions o;
    o.max_pixels = 300'000;  // 960k pixels stored: decoded at 1/2 (240k)
    auto r = decode_image(jpg->data(), jpg->size(), "big.jpg", o);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->width, 600);
    EXPECT_EQ(r->height, 400);
    o.max_pixels = 10'000;  // would need more than 1/8
    r = decode_image(jpg->data(), jpg->size(), "big.jpg", o);
    EXPECT_EQ(r.status().code(), ErrorCode::out_of_range);
}

// A GIF with a 4-colour global palette, LZW with a clear code before every second pixel so all codes
// stay 3 bits wide (a valid, if inefficient, encoding).
std::vector<uint8_t> tiny_gif(int w, int h, const std::vector<uint8_t>& indices_in_file_order, bool interlaced) {
    std::vector<uint8_t> g = {'G', 'I', 'F', '8', '9', 'a', static_cast<uint8_t>(w), 0, static_cast<uint8_t>(h), 0,
                              0x81, 0, 0};  // global table of 4 entries
    const uint8_t pal[4][3] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
    for (auto& c : pal) g.insert(g.end(), c, c + 3);
    g.insert(g.end(), {0x21, 0xF9, 4, 0, 0, 0, 0, 0});  // graphic control extension
    g.insert(g.end(), {0x2C, 0, 0, 0, 0, static_cast<uint8_t>(w), 0, static_cast<uint8_t>(h), 0,
                       static_cast<uint8_t>(interlaced ? 0x40 : 0)});
    g.push_back(2);  // LZW minimum code size
    std::vector<int> codes;
    for (size_t i = 0; i < indices_in_file_order.size(); ++i) {
        if (i % 2 == 0) codes.push_back(4);  // clear
        codes.push_back(indices_in_file_order[i]);
    }
    codes.push_back(5);  // end of information
    std::vector<uint8_t> data;
    uint32_t acc = 0;
    int bits = 0;
    for (int c : codes) {
        acc |= static_cast<uint32_t>(c) << bits;
        bits += 3;
        while (bits >= 8) {
            data.push_back(static_cast<uint8_t>(acc & 0xFF));
            acc >>= 8;
            bits -= 8;
        }
    }
    if (bits > 0) data.push_back(static_cast<uint8_t>(acc));
    for (size_t i = 0; i < data.size(); i += 255) {
        const size_t n = std::min<size_t>(255, data.size() - i);
        g.push_back(static_cast<uint8_t>(n));
        g.insert(g.end(), data.begin() + i, data.begin() + i + n);
    }
    g.push_back(0);
    g.push_back(0x3B);
    return g;
}

TEST(ImageDecode, GifFirstFramePlainAndInterlaced) {
    // 5 x 5, row r filled with colour index r % 4 (0 black, 1 red, 2 green, 3 blue).
    const int w = 5, h = 5;
    auto rows_in_file = [&](const std::vector<int>& order) {
        std::vector<uint8_t> v;
        for (int r : order)
            for (int x = 0; x < w; ++x) v.push_back(static_cast<uint8_t>(r % 4));
        return v;
    };
    for (bool interlaced : {false, true}) {
        SCOPED_TRACE(interlaced ? "interlaced" : "plain");
        // Interlaced storage order for 5 rows: 0 | 4 | 2 | 1, 3.
        const auto bytes = tiny_gif(w, h, rows_in_file(interlaced ? std::vector<int>{0, 4, 2, 1, 3}
                                                                  : std::vector<int>{0, 1, 2, 3, 4}),
                                    interlaced);
        auto r = decode_image(bytes.data(), bytes.size(), "tiny.gif");
        ASSERT_TRUE(r.is_ok()) << r.status().to_string();
        ASSERT_EQ(r->width, w);
        ASSERT_EQ(r->height, h);
        const uint8_t want[4][3] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {0, 0, 255}};
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 3; ++c) ASSERT_EQ(r->pixel(x, y)[c], want[y % 4][c]) << x << "," << y;
        // Truncated anywhere: an error naming the file.
        for (size_t n = 0; n + 2 < bytes.size(); ++n) {
            auto t = decode_image(bytes.data(), n, "tiny.gif");
            ASSERT_FALSE(t.is_ok()) << n;
            EXPECT_NE(t.status().message().find("tiny.gif"), std::string::npos);
        }
    }
}

TEST(ImageResize, BilinearAlignCornersAndTruncation) {
    ImageU8 src;
    src.width = 2;
    src.height = 1;
    src.rgb = {0, 10, 255, 101, 20, 0};
    const ImageU8 d = image::resize_bilinear(src, 3, 1);  // sx = X * (2-1)/(3-1) = 0, 0.5, 1
    ASSERT_EQ(d.rgb.size(), 9u);
    EXPECT_EQ(d.pixel(0, 0)[0], 0);
    EXPECT_EQ(d.pixel(1, 0)[0], 50);  // 50.5 truncated
    EXPECT_EQ(d.pixel(1, 0)[1], 15);
    EXPECT_EQ(d.pixel(1, 0)[2], 127);  // 127.5 truncated
    EXPECT_EQ(d.pixel(2, 0)[0], 101);
}

TEST(ImageResize, LetterboxGeometryAndPad) {
    const ImageU8 src = gradient(320, 240);
    const ImageU8 d = image::resize_letterbox(src, 224, 224, image::Interp::bilinear, {122, 116, 104});
    ASSERT_EQ(d.width, 224);
    ASSERT_EQ(d.height, 224);
    // 320x240 -> 224x168 pasted at y = 28: rows 0..27 and 196..223 are padding.
    for (int y : {0, 27, 196, 223}) {
        EXPECT_EQ(d.pixel(100, y)[0], 122) << y;
        EXPECT_EQ(d.pixel(100, y)[2], 104) << y;
    }
    EXPECT_EQ(d.pixel(0, 28)[0], src.pixel(0, 0)[0]);      // corners map to corners
    EXPECT_EQ(d.pixel(223, 195)[1], src.pixel(319, 239)[1]);
    // Bicubic of the same size is the identity.
    EXPECT_EQ(image::resize_bicubic(src, 320, 240).rgb, src.rgb);
}

}  // namespace
