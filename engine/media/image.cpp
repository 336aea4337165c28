#include "engine/media/image.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#if defined(TESSERA_HAVE_OPENCV)
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

namespace tessera {
namespace {

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint32_t le32(const uint8_t* p) { return (uint32_t(p[3]) << 24) | (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | p[0]; }
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>((p[1] << 8) | p[0]); }

Status image_error(const std::string& label, const std::string& what) {
    return make_error(ErrorCode::format_error, label + ": " + what);
}

// JPEG: the first SOFn marker carries the size. ref: ITU T.81 annex B.
void probe_jpeg(const uint8_t* d, size_t n, ImageProbe* p) {
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF) return;
        const uint8_t m = d[i + 1];
        if (m == 0xFF) { ++i; continue; }
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) { i += 2; continue; }
        const size_t len = be16(d + i + 2);
        const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof && i + 9 <= n) {
            p->height = be16(d + i + 5);
            p->width = be16(d + i + 7);
            return;
        }
        i += 2 + len;
    }
}

// TIFF: the first IFD's ImageWidth (256) / ImageLength (257). ref: TIFF 6.0 section 2.
void probe_tiff(const uint8_t* d, size_t n, ImageProbe* p) {
    const bool le = d[0] == 'I';
    auto u16 = [&](size_t o) { return le ? le16(d + o) : be16(d + o); };
    auto u32 = [&](size_t o) { return le ? le32(d + o) : be32(d + o); };
    const size_t ifd = u32(4);
    if (ifd + 2 > n) return;
    const size_t count = u16(ifd);
    for (size_t k = 0; k < count; ++k) {
        const size_t e = ifd + 2 + k * 12;
        if (e + 12 > n) return;
        const uint16_t tag = u16(e), type = u16(e + 2);
        const uint32_t v = type == 3 ? u16(e + 8) : u32(e + 8);
        if (tag == 256) p->width = static_cast<int>(v);
        if (tag == 257) p->height = static_cast<int>(v);
    }
}

// WebP: VP8 (lossy), VP8L (lossless) or VP8X (extended) chunk. ref: RFC 9649.
void probe_webp(const uint8_t* d, size_t n, ImageProbe* p) {
    if (n < 30) return;
    const uint8_t* c = d + 12;
    if (!std::memcmp(c, "VP8 ", 4)) {
        p->width = le16(c + 14) & 0x3FFF;
        p->height = le16(c + 16) & 0x3FFF;
    } else if (!std::memcmp(c, "VP8L", 4)) {
        const uint32_t b = le32(c + 9);
        p->width = static_cast<int>((b & 0x3FFF) + 1);
        p->height = static_cast<int>(((b >> 14) & 0x3FFF) + 1);
    } else if (!std::memcmp(c, "VP8X", 4)) {
        p->width = static_cast<int>((c[12] | (c[13] << 8) | (c[14] << 16)) + 1);
        p->height = static_cast<int>((c[15] | (c[16] << 8) | (c[17] << 16)) + 1);
    }
}

// A structurally incomplete file is reported as truncated before any decoder sees it: OpenCV's
// codecs fill a truncated JPEG with grey and only warn.
Status check_complete(const uint8_t* d, size_t n, ImageFormat f, const std::string& label) {
    switch (f) {
        case ImageFormat::png: {
            // Walk the chunks: each is length, type, data, CRC; the file ends with IEND.
            size_t i = 8;
            while (i + 12 <= n) {
                const uint32_t len = be32(d + i);
                if (!std::memcmp(d + i + 4, "IEND", 4)) return Status::ok();
                if (len > n || i + 12 + len > n) break;
                i += 12 + len;
            }
            return image_error(label, "truncated or corrupt PNG (the chunk sequence ends before IEND at byte " +
                                          std::to_string(i) + " of " + std::to_string(n) + ")");
        }
        case ImageFormat::jpeg: {
            // EOI (FF D9) must follow the entropy-coded data; allow trailing padding after it.
            const size_t from = n > 4096 ? n - 4096 : 2;
            for (size_t i = n - 1; i > from; --i)
                if (d[i - 1] == 0xFF && d[i] == 0xD9) return Status::ok();
            return image_error(label, "truncated JPEG (no end-of-image marker; " + std::to_string(n) + " bytes)");
        }
        case ImageFormat::webp: {
            const size_t riff = static_cast<size_t>(le32(d + 4)) + 8;
            if (riff > n)
                return image_error(label, "truncated WebP (RIFF size " + std::to_string(riff) + " bytes, file has " +
                                              std::to_string(n) + ")");
            return Status::ok();
        }
        case ImageFormat::bmp: {
            const size_t declared = le32(d + 2), offset = le32(d + 10);
            if (offset >= n || (declared > n && declared >= 54))
                return image_error(label, "truncated BMP (header declares " + std::to_string(declared) +
                                              " bytes, file has " + std::to_string(n) + ")");
            return Status::ok();
        }
        default:
            return Status::ok();
    }
}

}  // namespace

const char* image_format_name(ImageFormat f) {
    switch (f) {
        case ImageFormat::png: return "PNG";
        case ImageFormat::jpeg: return "JPEG";
        case ImageFormat::webp: return "WebP";
        case ImageFormat::bmp: return "BMP";
        case ImageFormat::tiff: return "TIFF";
        case ImageFormat::gif: return "GIF";
        case ImageFormat::unknown: break;
    }
    return "unknown";
}

ImageProbe probe_image(const uint8_t* d, size_t n) {
    ImageProbe p;
    if (!d || n < 12) return p;
    if (n >= 24 && !std::memcmp(d, "\x89PNG\r\n\x1a\n", 8)) {
        p.format = ImageFormat::png;
        if (!std::memcmp(d + 12, "IHDR", 4)) {
            p.width = static_cast<int>(std::min<uint32_t>(be32(d + 16), 1u << 30));
            p.height = static_cast<int>(std::min<uint32_t>(be32(d + 20), 1u << 30));
        }
    } else if (d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        p.format = ImageFormat::jpeg;
        probe_jpeg(d, n, &p);
    } else if (!std::memcmp(d, "RIFF", 4) && !std::memcmp(d + 8, "WEBP", 4)) {
        p.format = ImageFormat::webp;
        probe_webp(d, n, &p);
    } else if (d[0] == 'B' && d[1] == 'M' && n >= 26) {
        p.format = ImageFormat::bmp;
        p.width = static_cast<int>(le32(d + 18));
        const int32_t h = static_cast<int32_t>(le32(d + 22));
        p.height = h < 0 ? -h : h;
    } else if ((!std::memcmp(d, "II*\0", 4) || !std::memcmp(d, "MM\0*", 4)) && n >= 8) {
        p.format = ImageFormat::tiff;
        probe_tiff(d, n, &p);
    } else if (!std::memcmp(d, "GIF87a", 6) || !std::memcmp(d, "GIF89a", 6)) {
        p.format = ImageFormat::gif;
        p.width = le16(d + 6);
        p.height = le16(d + 8);
    }
    if (p.width < 0 || p.height < 0) p.width = p.height = 0;
    return p;
}

bool image_codecs_available() {
#if defined(TESSERA_HAVE_OPENCV)
    return true;
#else
    return false;
#endif
}

Result<ImageU8> decode_image(const uint8_t* data, size_t size, const std::string& label,
                             const ImageDecodeOptions& options) {
    if (!data || size == 0) return image_error(label, "empty file");
    const ImageProbe probe = probe_image(data, size);
    if (probe.format == ImageFormat::unknown)
        return make_error(ErrorCode::unsupported,
                          label + ": not a recognised image (PNG, JPEG, WebP, BMP, TIFF or GIF expected)");
    TS_RETURN_IF_ERROR(check_complete(data, size, probe.format, label));
    const int64_t stored = static_cast<int64_t>(probe.width) * probe.height;
    if (probe.format == ImageFormat::gif) {
        if (stored > options.max_pixels)
            return make_error(ErrorCode::out_of_range, label + ": GIF of " + std::to_string(probe.width) + " x " +
                                                           std::to_string(probe.height) + " exceeds the limit of " +
                                                           std::to_string(options.max_pixels) + " pixels");
        return decode_gif_first_frame(data, size, label);
    }
#if defined(TESSERA_HAVE_OPENCV)
    int flags = cv::IMREAD_COLOR;  // 8-bit, 3 channels, EXIF orientation applied
    if (stored > options.max_pixels) {
        if (probe.format != ImageFormat::jpeg)
            return make_error(ErrorCode::out_of_range,
                              label + ": " + image_format_name(probe.format) + " image of " + std::to_string(probe.width) +
                                  " x " + std::to_string(probe.height) + " (" + std::to_string(stored / 1000000) +
                                  " megapixels) exceeds the decode limit of " +
                                  std::to_string(options.max_pixels / 1000000) + " megapixels");
        int factor = 2;
        while (factor < 8 && stored / (int64_t(factor) * factor) > options.max_pixels) factor *= 2;
        if (stored / (int64_t(factor) * factor) > options.max_pixels)
            return make_error(ErrorCode::out_of_range, label + ": JPEG of " + std::to_string(probe.width) + " x " +
                                                           std::to_string(probe.height) +
                                                           " is too large even at 1/8 scale");
        flags = factor == 2 ? cv::IMREAD_REDUCED_COLOR_2 : factor == 4 ? cv::IMREAD_REDUCED_COLOR_4 : cv::IMREAD_REDUCED_COLOR_8;
    }
    cv::Mat bgr;
    try {
        static const bool quiet = [] {
            cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
            return true;
        }();
        (void)quiet;
        const cv::Mat raw(1, static_cast<int>(std::min<size_t>(size, INT32_MAX)), CV_8UC1, const_cast<uint8_t*>(data));
        bgr = cv::imdecode(raw, flags);
    } catch (const cv::Exception& e) {
        return image_error(label, std::string("cannot decode ") + image_format_name(probe.format) + ": " + e.msg);
    } catch (const std::exception& e) {
        return image_error(label, std::string("cannot decode ") + image_format_name(probe.format) + ": " + e.what());
    }
    if (bgr.empty() || bgr.type() != CV_8UC3)
        return image_error(label, std::string("corrupt or unsupported ") + image_format_name(probe.format) +
                                      " data (the decoder returned no image)");
    ImageU8 img;
    img.width = bgr.cols;
    img.height = bgr.rows;
    img.rgb.resize(static_cast<size_t>(img.width) * img.height * 3);
    for (int y = 0; y < img.height; ++y) {
        const uint8_t* s = bgr.ptr<uint8_t>(y);
        uint8_t* d = img.rgb.data() + static_cast<size_t>(y) * img.width * 3;
        for (int x = 0; x < img.width; ++x) {
            d[3 * x + 0] = s[3 * x + 2];
            d[3 * x + 1] = s[3 * x + 1];
            d[3 * x + 2] = s[3 * x + 0];
        }
    }
    return img;
#else
    return make_error(ErrorCode::unsupported, label + ": this build has no " + image_format_name(probe.format) +
                                                  " decoder (Tessera was built without OpenCV)");
#endif
}

Result<ImageU8> load_image_file(const std::string& path, const ImageDecodeOptions& options) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return make_error(ErrorCode::io_error, path + ": cannot open image file");
    f.seekg(0, std::ios::end);
    const std::streamoff n = f.tellg();
    if (n < 0) return make_error(ErrorCode::io_error, path + ": cannot read image file");
    // Compressed files far beyond any decodable image are refused before reading them into memory.
    if (n > (int64_t(1) << 31)) return make_error(ErrorCode::out_of_range, path + ": image file larger than 2 GiB");
    std::vector<uint8_t> bytes(static_cast<size_t>(n));
    f.seekg(0);
    if (n > 0 && !f.read(reinterpret_cast<char*>(bytes.data()), n))
        return make_error(ErrorCode::io_error, path + ": cannot read image file");
    return decode_image(bytes.data(), bytes.size(), path, options);
}

Result<std::vector<uint8_t>> encode_image(const ImageU8& image, ImageFormat format, int quality) {
    if (image.empty() || image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3)
        return make_error(ErrorCode::invalid_argument, "encode_image: empty or inconsistent image");
#if defined(TESSERA_HAVE_OPENCV)
    const char* ext = nullptr;
    std::vector<int> params;
    switch (format) {
        case ImageFormat::png: ext = ".png"; break;
        case ImageFormat::jpeg: ext = ".jpg"; params = {cv::IMWRITE_JPEG_QUALITY, std::clamp(quality, 1, 100)}; break;
        case ImageFormat::webp: ext = ".webp"; params = {cv::IMWRITE_WEBP_QUALITY, std::clamp(quality, 1, 101)}; break;
        case ImageFormat::bmp: ext = ".bmp"; break;
        case ImageFormat::tiff: ext = ".tiff"; break;
        default:
            return make_error(ErrorCode::unsupported, std::string("encode_image: cannot write ") + image_format_name(format));
    }
    cv::Mat bgr(image.height, image.width, CV_8UC3);
    for (int y = 0; y < image.height; ++y) {
        uint8_t* d = bgr.ptr<uint8_t>(y);
        const uint8_t* s = image.rgb.data() + static_cast<size_t>(y) * image.width * 3;
        for (int x = 0; x < image.width; ++x) {
            d[3 * x + 0] = s[3 * x + 2];
            d[3 * x + 1] = s[3 * x + 1];
            d[3 * x + 2] = s[3 * x + 0];
        }
    }
    std::vector<uint8_t> out;
    try {
        if (!cv::imencode(ext, bgr, out, params))
            return make_error(ErrorCode::unsupported, std::string("encode_image: OpenCV cannot write ") + image_format_name(format));
    } catch (const cv::Exception& e) {
        return make_error(ErrorCode::unsupported, std::string("encode_image: ") + e.msg);
    }
    return out;
#else
    (void)quality;
    return make_error(ErrorCode::unsupported, std::string("encode_image: built without OpenCV, cannot write ") +
                                                  image_format_name(format));
#endif
}

uint64_t image_content_hash(const ImageU8& image) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a 64
    auto mix = [&](uint8_t b) {
        h ^= b;
        h *= 1099511628211ull;
    };
    for (int s = 0; s < 32; s += 8) mix(static_cast<uint8_t>(image.width >> s));
    for (int s = 0; s < 32; s += 8) mix(static_cast<uint8_t>(image.height >> s));
    for (uint8_t b : image.rgb) mix(b);
    return h;
}

}  // namespace tessera
