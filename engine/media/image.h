#pragma once
// Images for the vision encoders: decoding files into 8-bit RGB.
//
// PNG, JPEG (EXIF orientation applied), WebP, BMP and TIFF go through OpenCV's imgcodecs; GIF (first
// frame) through our own decoder (gif_decode.cpp, OpenCV 4.6 has none). Alpha is dropped without
// compositing and 16-bit samples keep their high byte, as stb_image (which llama.cpp uses) does.
// Every problem -- missing file, unknown format, truncated or corrupt data, an image too large to
// decode within the memory bound -- is a Status naming the file; nothing aborts.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace tessera {

// 8-bit RGB, rows top to bottom, pixels interleaved R, G, B.
struct ImageU8 {
    int width = 0;
    int height = 0;
    std::vector<uint8_t> rgb;  // (height, width, 3)

    bool empty() const { return width <= 0 || height <= 0; }
    const uint8_t* pixel(int x, int y) const { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
    uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
};

enum class ImageFormat { unknown, png, jpeg, webp, bmp, tiff, gif };
const char* image_format_name(ImageFormat f);

// Format from the leading bytes (magic numbers), and the stored size read from the header without
// decoding (0 x 0 when the header cannot be read).
struct ImageProbe {
    ImageFormat format = ImageFormat::unknown;
    int width = 0;
    int height = 0;
};
ImageProbe probe_image(const uint8_t* data, size_t size);

struct ImageDecodeOptions {
    // Largest decoded size. A JPEG above it is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's DCT
    // scaling, so memory stays bounded); any other format above it is an error giving the size.
    int64_t max_pixels = 40'000'000;
};

// `label` names the source in error messages (usually the path).
Result<ImageU8> decode_image(const uint8_t* data, size_t size, const std::string& label,
                             const ImageDecodeOptions& options = {});
Result<ImageU8> load_image_file(const std::string& path, const ImageDecodeOptions& options = {});

// GIF first frame (LZW, global/local palette, interlacing; transparent pixels take the palette colour,
// as stb_image gives them with 3 channels). ref: GIF89a specification (W3C), stb_image.h stbi__gif_load_next.
Result<ImageU8> decode_gif_first_frame(const uint8_t* data, size_t size, const std::string& label);

// Encodes an image (PNG, JPEG with `quality` 1..100, WebP, BMP or TIFF) through OpenCV; GIF is not
// written. For thumbnails, attachments and tests.
Result<std::vector<uint8_t>> encode_image(const ImageU8& image, ImageFormat format, int quality = 95);

// 64-bit content hash of the pixels and size (FNV-1a), for caching encoder outputs per image.
uint64_t image_content_hash(const ImageU8& image);

// Whether this build can decode PNG/JPEG/WebP/BMP/TIFF (built with OpenCV).
bool image_codecs_available();

}  // namespace tessera
