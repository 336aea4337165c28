#pragma once
// llama.cpp's own image resizers and normalisation (clip.cpp img_tool), reproduced bit for bit so the
// encoder inputs match the peer: no antialiasing, not PIL or torchvision.
// ref: llama.cpp d32676d7 tools/mtmd/clip.cpp img_tool::resize / resize_bilinear / resize_bicubic /
//      composite / crop, normalize_image_u8_to_f32; fixtures/README.md "Preprocessing facts".
#include <array>
#include <cstdint>

#include "engine/media/image.h"

namespace tessera::image {

enum class Interp { bilinear, bicubic };

// Bilinear, align-corners: sx = X * (w-1)/(tw-1) in float32, x0 = int(sx), x1 = min(x0+1, w-1),
// lerp in x then y in float32, truncated to u8.
ImageU8 resize_bilinear(const ImageU8& src, int tw, int th);
// Bicubic: sx = X * w/tw, 4x4 clamp-to-edge neighbourhood, the cubic of clip.cpp (its double
// constants included), rounded and clamped to [0, 255].
ImageU8 resize_bicubic(const ImageU8& src, int tw, int th);
ImageU8 resize(const ImageU8& src, int tw, int th, Interp interp);

// Letterbox (llama.cpp PAD_CEIL): scale = min(tw/w, th/h), the image resized to
// (min(ceil(w*scale), tw), min(ceil(h*scale), th)) and pasted centred (integer division) on a canvas of
// the pad colour.
ImageU8 resize_letterbox(const ImageU8& src, int tw, int th, Interp interp, std::array<uint8_t, 3> pad);

// The w x h rectangle at (x, y); the caller keeps it inside the image.
ImageU8 crop(const ImageU8& src, int x, int y, int w, int h);

// out (3, h, w) planar CHW: (u8/255 - mean[c]) / std[c] in float32.
void normalize_chw(const ImageU8& src, const float mean[3], const float std_dev[3], float* out);

}  // namespace tessera::image
