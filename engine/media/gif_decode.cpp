// GIF first-frame decoder (OpenCV 4.6's imgcodecs has none).
// ref: GIF89a specification (https://www.w3.org/Graphics/GIF/spec-gif89a.txt) sections 18-23 and
// appendix F (variable-length-code LZW); stb_image.h stbi__gif_load_next for the behaviour of pixels a
// frame does not cover (background colour) and of transparent pixels (palette colour when alpha is
// dropped).
#include <cstring>
#include <vector>

#include "engine/media/image.h"

namespace tessera {
namespace {

class GifReader {
public:
    GifReader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
    bool has(size_t k) const { return pos_ + k <= n_; }
    uint8_t u8() { return pos_ < n_ ? d_[pos_++] : 0; }
    uint16_t u16() {
        const uint16_t lo = u8();
        return static_cast<uint16_t>(lo | (u8() << 8));
    }
    void skip(size_t k) { pos_ = pos_ + k > n_ ? n_ : pos_ + k; }
    size_t pos() const { return pos_; }
    bool eof() const { return pos_ >= n_; }

private:
    const uint8_t* d_;
    size_t n_;
    size_t pos_ = 0;
};

// Skips a chain of data sub-blocks; false when the file ends first.
bool skip_sub_blocks(GifReader& r) {
    for (;;) {
        if (r.eof()) return false;
        const uint8_t len = r.u8();
        if (len == 0) return true;
        if (!r.has(len)) return false;
        r.skip(len);
    }
}

}  // namespace

Result<ImageU8> decode_gif_first_frame(const uint8_t* data, size_t size, const std::string& label) {
    auto bad = [&](const std::string& what) { return make_error(ErrorCode::format_error, label + ": " + what); };
    GifReader r(data, size);
    if (size < 13 || (std::memcmp(data, "GIF87a", 6) && std::memcmp(data, "GIF89a", 6))) return bad("not a GIF file");
    r.skip(6);
    const int width = r.u16(), height = r.u16();
    const uint8_t flags = r.u8();
    const uint8_t background = r.u8();
    r.u8();  // pixel aspect ratio
    if (width <= 0 || height <= 0) return bad("GIF has an empty logical screen");
    uint8_t global[256][3] = {};
    const bool has_global = flags & 0x80;
    const int global_n = 2 << (flags & 7);
    if (has_global) {
        if (!r.has(3 * static_cast<size_t>(global_n))) return bad("truncated GIF (global colour table)");
        for (int i = 0; i < global_n; ++i)
            for (int c = 0; c < 3; ++c) global[i][c] = r.u8();
    }

    ImageU8 img;
    img.width = width;
    img.height = height;
    img.rgb.assign(static_cast<size_t>(width) * height * 3, 0);
    // Pixels outside the first frame take the background colour (stb_image does the same for frame 1).
    if (has_global)
        for (size_t i = 0; i < img.rgb.size(); i += 3) std::memcpy(&img.rgb[i], global[background], 3);

    for (;;) {
        if (r.eof()) return bad("truncated GIF (no image in the file)");
        const uint8_t block = r.u8();
        if (block == 0x3B) return bad("GIF contains no image");
        if (block == 0x21) {  // extension: label + sub-blocks
            r.u8();
            if (!skip_sub_blocks(r)) return bad("truncated GIF (inside an extension block)");
            continue;
        }
        if (block != 0x2C) return bad("corrupt GIF (unexpected block 0x" + std::to_string(block) + ")");

        // Image descriptor
        if (!r.has(9)) return bad("truncated GIF (image descriptor)");
        const int fx = r.u16(), fy = r.u16(), fw = r.u16(), fh = r.u16();
        const uint8_t iflags = r.u8();
        const bool interlaced = iflags & 0x40;
        uint8_t local[256][3];
        const uint8_t(*palette)[3] = global;
        if (iflags & 0x80) {
            const int local_n = 2 << (iflags & 7);
            if (!r.has(3 * static_cast<size_t>(local_n))) return bad("truncated GIF (local colour table)");
            for (int i = 0; i < local_n; ++i)
                for (int c = 0; c < 3; ++c) local[i][c] = r.u8();
            palette = local;
        } else if (!has_global) {
            return bad("corrupt GIF (no colour table)");
        }

        // LZW: codes of growing width, packed LSB first across the data sub-blocks.
        const int min_code = r.u8();
        if (min_code < 2 || min_code > 11) return bad("corrupt GIF (LZW code size " + std::to_string(min_code) + ")");
        const int clear = 1 << min_code, eoi = clear + 1;
        std::vector<uint16_t> prefix(4096);
        std::vector<uint8_t> suffix(4096), stack(4097);
        for (int i = 0; i < clear; ++i) {
            prefix[i] = 0xFFFF;
            suffix[i] = static_cast<uint8_t>(i);
        }
        int code_size = min_code + 1, next = clear + 2, prev = -1;
        uint8_t first = 0;
        uint32_t bits = 0;
        int n_bits = 0, block_left = 0;
        const int64_t n_pixels = static_cast<int64_t>(fw) * fh;
        int64_t out_i = 0;
        int pass = 0, row = 0, col = 0;
        auto put = [&](uint8_t index) {
            if (out_i >= n_pixels) return;
            const int x = fx + col, y = fy + row;
            if (x < width && y < height) std::memcpy(img.pixel(x, y), palette[index], 3);
            ++out_i;
            if (++col == fw) {
                col = 0;
                if (!interlaced) {
                    ++row;
                } else {  // rows 0,8,16.. then 4,12.. then 2,6.. then 1,3..
                    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
                    row += step[pass];
                    while (row >= fh && pass < 3) row = start[++pass];
                }
            }
        };
        bool done = false;
        while (!done && out_i < n_pixels) {
            while (n_bits < code_size) {
                if (block_left == 0) {
                    if (r.eof()) return bad("truncated GIF (image data ends early)");
                    block_left = r.u8();
                    if (block_left == 0) {
                        done = true;
                        break;
                    }
                }
                if (r.eof()) return bad("truncated GIF (image data ends early)");
                bits |= static_cast<uint32_t>(r.u8()) << n_bits;
                n_bits += 8;
                --block_left;
            }
            if (done) break;
            const int code = static_cast<int>(bits & ((1u << code_size) - 1));
            bits >>= code_size;
            n_bits -= code_size;
            if (code == clear) {
                code_size = min_code + 1;
                next = clear + 2;
                prev = -1;
                continue;
            }
            if (code == eoi) break;
            if (prev < 0) {
                if (code >= clear) return bad("corrupt GIF (LZW stream starts with code " + std::to_string(code) + ")");
                put(static_cast<uint8_t>(code));
                first = static_cast<uint8_t>(code);
                prev = code;
                continue;
            }
            int cur = code, sp = 0;
            if (code > next || code == eoi) return bad("corrupt GIF (LZW code " + std::to_string(code) + " out of sequence)");
            if (code == next) {  // KwKwK case
                stack[sp++] = first;
                cur = prev;
            }
            while (cur >= clear) {
                if (sp >= 4096) return bad("corrupt GIF (LZW chain too long)");
                stack[sp++] = suffix[cur];
                cur = prefix[cur];
            }
            stack[sp++] = static_cast<uint8_t>(cur);
            first = static_cast<uint8_t>(cur);
            while (sp > 0) put(stack[--sp]);
            if (next < 4096) {
                prefix[next] = static_cast<uint16_t>(prev);
                suffix[next] = first;
                ++next;
                if (next == (1 << code_size) && code_size < 12) ++code_size;
            }
            prev = code;
        }
        if (out_i < n_pixels) return bad("truncated GIF (first frame has " + std::to_string(out_i) + " of " +
                                         std::to_string(n_pixels) + " pixels)");
        return img;
    }
}

}  // namespace tessera
