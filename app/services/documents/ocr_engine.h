#pragma once
// OCR through Tesseract (LSTM engine): page images -> UTF-8 text. One OcrEngine holds one
// initialised tesseract::TessBaseAPI (loading the language model costs ~0.1-0.5 s, so engines are
// reused); use it from one thread at a time.
// ref: tesseract 5 include/tesseract/baseapi.h (Init, SetImage, SetSourceResolution, GetUTF8Text).
#include <QImage>
#include <QString>
#include <memory>

#include "engine/core/status.h"

namespace tessera::docs {

struct OcrOptions {
    QString language = QStringLiteral("eng");
    QString tessdataDir;  // folder holding <language>.traineddata; empty: TESSDATA_PREFIX / built-in default
};

class OcrEngine {
public:
    // `unsupported` when the build has no Tesseract or the language data is missing (message says which).
    static Result<std::unique_ptr<OcrEngine>> create(const OcrOptions& options = {});
    // Empty when OCR works with these options, else the reason (for tests that skip, and for the UI).
    static QString unavailableReason(const OcrOptions& options = {});

    ~OcrEngine();
    OcrEngine(const OcrEngine&) = delete;
    OcrEngine& operator=(const OcrEngine&) = delete;

    // Text of `image` (any format; converted to 8-bit grey). `dpi` is the scan resolution Tesseract
    // assumes for the image (70..2400). Images are scaled down to at most kMaxSide pixels per side.
    Result<QString> recognize(const QImage& image, int dpi = 300);

    static constexpr int kMaxSide = 8000;

private:
    OcrEngine();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tessera::docs
