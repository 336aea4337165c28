#include "engine/media/image_resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tessera::image {
namespace {

ImageU8 blank(int w, int h) {
    ImageU8 img;
    img.width = w;
    img.height = h;
    img.rgb.assign(static_cast<size_t>(w) * h * 3, 0);
    return img;
}

inline float lerp(float s, float e, float t) { return s + (e - s) * t; }

inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

}  // namespace

ImageU8 resize_bilinear(const ImageU8& src, int tw, int th) {
    ImageU8 dst = blank(tw, th);
    const float x_ratio = tw > 1 ? static_cast<float>(src.width - 1) / static_cast<float>(tw - 1) : 0.0f;
    const float y_ratio = th > 1 ? static_cast<float>(src.height - 1) / static_cast<float>(th - 1) : 0.0f;
    for (int y = 0; y < th; ++y) {
        const float py = y_ratio * static_cast<float>(y);
        const int y0 = static_cast<int>(py);
        const int y1 = std::min(y0 + 1, src.height - 1);
        const float fy = py - static_cast<float>(y0);
        for (int x = 0; x < tw; ++x) {
            const float px = x_ratio * static_cast<float>(x);
            const int x0 = static_cast<int>(px);
            const int x1 = std::min(x0 + 1, src.width - 1);
            const float fx = px - static_cast<float>(x0);
            uint8_t* d = dst.pixel(x, y);
            for (int c = 0; c < 3; ++c) {
                const float top = lerp(src.pixel(x0, y0)[c], src.pixel(x1, y0)[c], fx);
                const float bottom = lerp(src.pixel(x0, y1)[c], src.pixel(x1, y1)[c], fx);
                d[c] = static_cast<uint8_t>(lerp(top, bottom, fy));
            }
        }
    }
    return dst;
}

ImageU8 resize_bicubic(const ImageU8& src, int tw, int th) {
    ImageU8 dst = blank(tw, th);
    const int nx = src.width, ny = src.height;
    const float tx = static_cast<float>(nx) / static_cast<float>(tw);
    const float ty = static_cast<float>(ny) / static_cast<float>(th);
    auto at = [&](int x, int y, int c) -> float {
        return static_cast<float>(src.rgb[(static_cast<size_t>(clampi(y, 0, ny - 1)) * nx + clampi(x, 0, nx - 1)) * 3 + c]);
    };
    // The coefficients are written with double constants in clip.cpp (-1.0 / 3 * d0): evaluated in
    // double and stored to float.
    auto coeffs = [](float d0, float d2, float d3, float* a1, float* a2, float* a3) {
        *a1 = static_cast<float>(-1.0 / 3 * d0 + d2 - 1.0 / 6 * d3);
        *a2 = static_cast<float>(1.0 / 2 * d0 + 1.0 / 2 * d2);
        *a3 = static_cast<float>(-1.0 / 6 * d0 - 1.0 / 2 * d2 + 1.0 / 6 * d3);
    };
    for (int i = 0; i < th; ++i) {
        for (int j = 0; j < tw; ++j) {
            const int x = static_cast<int>(tx * static_cast<float>(j));
            const int y = static_cast<int>(ty * static_cast<float>(i));
            const float dx = tx * static_cast<float>(j) - static_cast<float>(x);
            const float dy = ty * static_cast<float>(i) - static_cast<float>(y);
            for (int k = 0; k < 3; ++k) {
                float C[4];
                for (int jj = 0; jj < 4; ++jj) {
                    const int yy = y - 1 + jj;
                    const float p1 = at(x, yy, k);
                    const float d0 = at(x - 1, yy, k) - p1, d2 = at(x + 1, yy, k) - p1, d3 = at(x + 2, yy, k) - p1;
                    float a1, a2, a3;
                    coeffs(d0, d2, d3, &a1, &a2, &a3);
                    C[jj] = p1 + a1 * dx + a2 * dx * dx + a3 * dx * dx * dx;
                }
                const float d0 = C[0] - C[1], d2 = C[2] - C[1], d3 = C[3] - C[1];
                float a1, a2, a3;
                coeffs(d0, d2, d3, &a1, &a2, &a3);
                const float cc = C[1] + a1 * dy + a2 * dy * dy + a3 * dy * dy * dy;
                dst.pixel(j, i)[k] = static_cast<uint8_t>(std::min(std::max(std::round(cc), 0.0f), 255.0f));
            }
        }
    }
    return dst;
}

ImageU8 resize(const ImageU8& src, int tw, int th, Interp interp) {
    if (tw == src.width && th == src.height) return src;
    return interp == Interp::bilinear ? resize_bilinear(src, tw, th) : resize_bicubic(src, tw, th);
}

ImageU8 resize_letterbox(const ImageU8& src, int tw, int th, Interp interp, std::array<uint8_t, 3> pad) {
    const float scale_w = static_cast<float>(tw) / static_cast<float>(src.width);
    const float scale_h = static_cast<float>(th) / static_cast<float>(src.height);
    const float scale = std::min(scale_w, scale_h);
    const int nw = std::min(static_cast<int>(std::ceil(static_cast<float>(src.width) * scale)), tw);
    const int nh = std::min(static_cast<int>(std::ceil(static_cast<float>(src.height) * scale)), th);
    const ImageU8 resized = resize(src, nw, nh, interp);
    ImageU8 dst = blank(tw, th);
    for (size_t i = 0; i < dst.rgb.size(); i += 3) std::memcpy(&dst.rgb[i], pad.data(), 3);
    const int ox = (tw - nw) / 2, oy = (th - nh) / 2;
    for (int y = 0; y < nh; ++y) std::memcpy(dst.pixel(ox, oy + y), resized.pixel(0, y), static_cast<size_t>(nw) * 3);
    return dst;
}

ImageU8 crop(const ImageU8& src, int x, int y, int w, int h) {
    ImageU8 dst = blank(w, h);
    for (int r = 0; r < h; ++r) std::memcpy(dst.pixel(0, r), src.pixel(x, y + r), static_cast<size_t>(w) * 3);
    return dst;
}

void normalize_chw(const ImageU8& src, const float mean[3], const float std_dev[3], float* out) {
    const size_t plane = static_cast<size_t>(src.width) * src.height;
    for (size_t i = 0; i < plane; ++i)
        for (int c = 0; c < 3; ++c)
            out[c * plane + i] = (static_cast<float>(src.rgb[i * 3 + c]) / 255.0f - mean[c]) / std_dev[c];
}

}  // namespace tessera::image
