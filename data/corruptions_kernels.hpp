// The image operations behind data/corruptions.cpp, on float planes (H, W) or images (C, H, W)
// in [0, 1]. Each filter has the naive loop it is tested against beside it.
//
// Borders are named after what the published CIFAR-10-C code (Hendrycks & Dietterich,
// github.com/hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py) relied on:
//   kClamp       a a | a b c | c c   scipy 'nearest' (skimage gaussian), ImageMagick's edge pixels
//   kReflect101  c b | a b c | b a   OpenCV's default BORDER_REFLECT_101 (filter2D, warpAffine)
//   kReflect     b a | a b c | c b   scipy 'reflect' (map_coordinates, gaussian(mode='reflect'))
#pragma once
#include <cstdint>
#include <vector>

#include "prism/core/rng.hpp"

namespace prism::data::kernels {

enum class Border { kClamp, kReflect101, kReflect };

// Index i (any integer) of a line of n samples mapped into [0, n) by `border`.
std::int64_t border_index(std::int64_t i, std::int64_t n, Border border);

// One weight of a sparse 2-D kernel, at offset (dy, dx) from the output pixel.
struct Tap {
    int dy = 0, dx = 0;
    double w = 0;
};

// plane (H, W), in place: out(y, x) = sum over taps of w * in(y + dy, x + dx), a correlation
// as OpenCV's filter2D. Pads the plane once, then adds whole shifted rows per tap.
void filter_taps(float* plane, std::int64_t H, std::int64_t W, const std::vector<Tap>& taps, Border border);
// The same sum with every index mapped through border_index: the reference for the test.
void filter_taps_reference(float* plane, std::int64_t H, std::int64_t W, const std::vector<Tap>& taps, Border border);

// scipy.ndimage.gaussian_filter's 1-D weights: exp(-x^2 / 2 sigma^2) normalised over
// |x| <= int(truncate * sigma + 0.5).
std::vector<double> gaussian_weights(double sigma, double truncate);
// plane (H, W), in place: the separable Gaussian, rows then columns.
void gaussian_blur_plane(float* plane, std::int64_t H, std::int64_t W, double sigma, double truncate, Border border);

// make_cifar_c.py's defocus kernel: the disk dy^2 + dx^2 <= radius^2 (normalised), smoothed by
// a 3x3 Gaussian of sigma alias_blur (cv2.GaussianBlur); zero taps dropped.
std::vector<Tap> defocus_taps(double radius, double alias_blur);

// ImageMagick's MotionBlurImage(radius, sigma, angle) as make_cifar_c.py calls it: a one-sided
// line of 2*ceil(radius) + 1 taps at offsets round(i * (sin, cos)(angle)) with weights
// exp(-i^2 / 2 sigma^2), normalised, i = 0, 1, ... (the blur trails behind each pixel).
std::vector<Tap> motion_taps(double radius, double sigma, double angle_degrees);

// plane (H, W) sampled at the real position (y, x): bilinear, neighbours mapped through `border`.
float bilinear(const float* plane, std::int64_t H, std::int64_t W, double y, double x, Border border);

// plane (H, W), in place: PIL's resize((w, h), BOX) then resize((W, H), BOX). Down, output
// pixel j averages input pixels [floor(j*s + 0.5), floor((j+1)*s + 0.5)), s = H/h; up, output
// pixel Y takes input pixel floor((Y + 0.5) * h/H) (PIL's box filter on pixel centres).
void pixelate_plane(float* plane, std::int64_t H, std::int64_t W, std::int64_t h, std::int64_t w);

// img (C, H, W), C = 1 or 3, in place: rounded to 8 bits, JPEG-encoded at `quality` in memory
// (stb_image_write: libjpeg's quality scaling, 4:2:0 chroma up to quality 90, as PIL's
// default) and decoded again (stb_image).
void jpeg_roundtrip(float* img, std::int64_t C, std::int64_t H, std::int64_t W, int quality);

// img (C, H, W), in place: make_cifar_c.py's elastic transform with pixel parameters
// (alpha, sigma, affine): a random affine warp moving three points by up to +-affine pixels
// (bilinear, kReflect101), then a displacement field of uniform(-1, 1) noise blurred by a
// Gaussian of sigma (truncate 3, kReflect) times alpha (bilinear, kReflect). Draws 6 + 2*H*W
// uniforms from g; the same field moves every channel.
void elastic_transform(float* img, std::int64_t C, std::int64_t H, std::int64_t W, double alpha, double sigma,
                       double affine, Generator& g);

}  // namespace prism::data::kernels
