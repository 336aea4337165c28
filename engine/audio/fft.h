#pragma once
// Mixed-radix FFT in double precision for the spectrogram front ends (Whisper: n = 400 = 2^4 * 5^2).
//
// ComplexFft: decimation-in-time Cooley-Tukey over the factorisation n = p1 * p2 * ... (radix-4 and
// radix-2 butterflies, a generic O(p^2) butterfly for 3, 5 and any other prime), recursive in the style
// of KISS FFT's kf_work. ref: Cooley & Tukey, "An algorithm for the machine calculation of complex
// Fourier series", Math. Comp. 19 (1965); M. Borgerding, KISS FFT (kiss_fft.c kf_work / kf_bfly_generic).
//
// RealFft: a real sequence of even length n as a complex one of length n/2 (even samples in the real part,
// odd in the imaginary part), then the split step X[k] = E[k] + e^{-2 pi i k/n} O[k].
// ref: Press et al., Numerical Recipes 3rd ed., section 12.3.2 "FFT of a single real function".
//
// Plans are immutable after construction: one plan may serve many threads (each with its own scratch).
#include <complex>
#include <vector>

namespace tessera::audio {

using cdouble = std::complex<double>;

class ComplexFft {
public:
    explicit ComplexFft(int n);  // n >= 1
    int size() const { return n_; }
    // out[k] = sum_j in[j] e^{-2 pi i j k / n}; in and out must not overlap.
    void forward(const cdouble* in, cdouble* out) const;

private:
    void work(cdouble* out, const cdouble* in, int fstride, const int* factors) const;
    void butterfly2(cdouble* out, int fstride, int m) const;
    void butterfly4(cdouble* out, int fstride, int m) const;
    void butterfly_generic(cdouble* out, int fstride, int p, int m) const;

    int n_;
    std::vector<int> factors_;     // (radix, remaining length) pairs, radix 4 first, then 2, 3, 5, ...
    std::vector<cdouble> twiddles_;  // (n) e^{-2 pi i k / n}
};

class RealFft {
public:
    explicit RealFft(int n);  // n even, >= 2
    int size() const { return n_; }
    // out: n/2 + 1 bins X[0..n/2] of the DFT of the real sequence x (n). scratch: at least n complex values.
    void forward(const double* x, cdouble* out, cdouble* scratch) const;

private:
    int n_;
    ComplexFft half_;
    std::vector<cdouble> split_;  // (n/2 + 1) e^{-2 pi i k / n}
};

// Plain O(n^2) DFT in long double, the reference the tests compare against.
void naive_dft(const double* x, int n, cdouble* out);

}  // namespace tessera::audio
