// Mixed-radix complex FFT and the real-input FFT built on it (see fft.h for the references).
#include "engine/audio/fft.h"

#include <cmath>

namespace tessera::audio {
namespace {

constexpr long double kTwoPi = 6.283185307179586476925286766559005768L;

cdouble unit_root(long long k, long long n) {  // e^{-2 pi i k / n}, angle reduced in long double
    const long double a = -kTwoPi * static_cast<long double>(k % n) / static_cast<long double>(n);
    return {static_cast<double>(std::cos(a)), static_cast<double>(std::sin(a))};
}

}  // namespace

ComplexFft::ComplexFft(int n) : n_(n < 1 ? 1 : n) {
    twiddles_.resize(static_cast<size_t>(n_));
    for (int k = 0; k < n_; ++k) twiddles_[static_cast<size_t>(k)] = unit_root(k, n_);
    // kiss_fft_factor: pull out 4s, then 2s, then odd primes.
    int rest = n_, p = 4;
    while (rest > 1) {
        while (rest % p != 0) {
            if (p == 4) p = 2;
            else if (p == 2) p = 3;
            else p += 2;
            if (p * p > rest) p = rest;
        }
        rest /= p;
        factors_.push_back(p);
        factors_.push_back(rest);
    }
    if (factors_.empty()) {  // n == 1
        factors_.push_back(1);
        factors_.push_back(1);
    }
}

void ComplexFft::forward(const cdouble* in, cdouble* out) const {
    if (n_ == 1) {
        out[0] = in[0];
        return;
    }
    work(out, in, 1, factors_.data());
}

// ref: kiss_fft.c kf_work. out (p*m) receives the DFT of in[0], in[fstride], ..., in[(p*m-1)*fstride].
void ComplexFft::work(cdouble* out, const cdouble* in, int fstride, const int* factors) const {
    const int p = factors[0];
    const int m = factors[1];
    if (m == 1) {
        for (int i = 0; i < p; ++i) out[i] = in[static_cast<size_t>(i) * fstride];
    } else {
        for (int i = 0; i < p; ++i) work(out + i * m, in + static_cast<size_t>(i) * fstride, fstride * p, factors + 2);
    }
    switch (p) {
        case 2: butterfly2(out, fstride, m); break;
        case 4: butterfly4(out, fstride, m); break;
        default: butterfly_generic(out, fstride, p, m); break;
    }
}

void ComplexFft::butterfly2(cdouble* out, int fstride, int m) const {
    cdouble* a = out;
    cdouble* b = out + m;
    for (int k = 0; k < m; ++k) {
        const cdouble t = b[k] * twiddles_[static_cast<size_t>(k) * fstride];
        b[k] = a[k] - t;
        a[k] += t;
    }
}

void ComplexFft::butterfly4(cdouble* out, int fstride, int m) const {
    for (int k = 0; k < m; ++k) {
        const cdouble x0 = out[k];
        const cdouble x1 = out[k + m] * twiddles_[static_cast<size_t>(k) * fstride];
        const cdouble x2 = out[k + 2 * m] * twiddles_[static_cast<size_t>(2 * k) * fstride];
        const cdouble x3 = out[k + 3 * m] * twiddles_[static_cast<size_t>(3 * k) * fstride];
        const cdouble s0 = x0 + x2, s1 = x0 - x2;
        const cdouble s2 = x1 + x3, s3 = x1 - x3;
        const cdouble s3_mi(s3.imag(), -s3.real());  // -i * s3
        out[k] = s0 + s2;
        out[k + 2 * m] = s0 - s2;
        out[k + m] = s1 + s3_mi;
        out[k + 3 * m] = s1 - s3_mi;
    }
}

// ref: kiss_fft.c kf_bfly_generic: out[u + q*m] = sum_r x_r * w^{(u + q*m) * r * fstride}.
void ComplexFft::butterfly_generic(cdouble* out, int fstride, int p, int m) const {
    cdouble scratch[64];
    std::vector<cdouble> big;
    cdouble* s = scratch;
    if (p > 64) {
        big.resize(static_cast<size_t>(p));
        s = big.data();
    }
    for (int u = 0; u < m; ++u) {
        for (int q = 0; q < p; ++q) s[q] = out[u + q * m];
        for (int q = 0; q < p; ++q) {
            const int k = u + q * m;
            cdouble acc = s[0];
            long long idx = 0;
            for (int r = 1; r < p; ++r) {
                idx += static_cast<long long>(fstride) * k;
                if (idx >= n_) idx %= n_;
                acc += s[r] * twiddles_[static_cast<size_t>(idx)];
            }
            out[k] = acc;
        }
    }
}

RealFft::RealFft(int n) : n_(n), half_(n / 2) {
    split_.resize(static_cast<size_t>(n / 2 + 1));
    for (int k = 0; k <= n / 2; ++k) split_[static_cast<size_t>(k)] = unit_root(k, n);
}

void RealFft::forward(const double* x, cdouble* out, cdouble* scratch) const {
    const int m = n_ / 2;
    cdouble* z = scratch;       // (m) packed input
    cdouble* zf = scratch + m;  // (m) its DFT
    for (int j = 0; j < m; ++j) z[j] = {x[2 * j], x[2 * j + 1]};
    half_.forward(z, zf);
    out[0] = {zf[0].real() + zf[0].imag(), 0.0};
    out[m] = {zf[0].real() - zf[0].imag(), 0.0};
    for (int k = 1; k < m; ++k) {
        const cdouble a = zf[k];
        const cdouble b = std::conj(zf[m - k]);
        const cdouble even = 0.5 * (a + b);
        const cdouble diff = a - b;
        const cdouble odd(0.5 * diff.imag(), -0.5 * diff.real());  // (a - b) / (2i)
        out[k] = even + split_[static_cast<size_t>(k)] * odd;
    }
}

void naive_dft(const double* x, int n, cdouble* out) {
    for (int k = 0; k < n; ++k) {
        long double re = 0, im = 0;
        for (int j = 0; j < n; ++j) {
            const long double a = -kTwoPi * static_cast<long double>((static_cast<long long>(j) * k) % n) / n;
            re += x[j] * std::cos(a);
            im += x[j] * std::sin(a);
        }
        out[k] = {static_cast<double>(re), static_cast<double>(im)};
    }
}

}  // namespace tessera::audio
