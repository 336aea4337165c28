#include "app/services/documents/ocr_engine.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>

#ifdef TESSERA_HAVE_TESSERACT
#include <tesseract/baseapi.h>
#endif

namespace tessera::docs {

struct OcrEngine::Impl {
#ifdef TESSERA_HAVE_TESSERACT
    tesseract::TessBaseAPI api;
#endif
};

OcrEngine::OcrEngine() : m_impl(std::make_unique<Impl>()) {}

OcrEngine::~OcrEngine() {
#ifdef TESSERA_HAVE_TESSERACT
    m_impl->api.End();
#endif
}

namespace {

// Where Tesseract will look for <lang>.traineddata, in its own order: the explicit folder,
// $TESSDATA_PREFIX, then the Debian/Ubuntu package folders.
QString findTrainedData(const OcrOptions& o) {
    QStringList dirs;
    if (!o.tessdataDir.isEmpty()) dirs << o.tessdataDir;
    const QString env = qEnvironmentVariable("TESSDATA_PREFIX");
    if (!env.isEmpty()) dirs << env << env + QStringLiteral("/tessdata");
    if (o.tessdataDir.isEmpty()) {
        dirs << QStringLiteral("/usr/share/tesseract-ocr/5/tessdata") << QStringLiteral("/usr/share/tesseract-ocr/4.00/tessdata")
             << QStringLiteral("/usr/share/tessdata") << QStringLiteral("/usr/local/share/tessdata");
    }
    for (const QString& d : dirs) {
        const QString f = QDir(d).filePath(o.language + QStringLiteral(".traineddata"));
        if (QFileInfo::exists(f)) return QFileInfo(f).absolutePath();
    }
    return {};
}

}  // namespace

QString OcrEngine::unavailableReason(const OcrOptions& options) {
#ifndef TESSERA_HAVE_TESSERACT
    Q_UNUSED(options);
    return QStringLiteral("this build has no Tesseract (libtesseract-dev was missing at configure time)");
#else
    if (findTrainedData(options).isEmpty()) {
        return QStringLiteral("Tesseract language data '%1.traineddata' not found (install tesseract-ocr-%1 or set "
                              "TESSDATA_PREFIX)")
            .arg(options.language);
    }
    return {};
#endif
}

Result<std::unique_ptr<OcrEngine>> OcrEngine::create(const OcrOptions& options) {
    const QString reason = unavailableReason(options);
    if (!reason.isEmpty()) return make_error(ErrorCode::unsupported, ("ocr: " + reason).toStdString());
#ifdef TESSERA_HAVE_TESSERACT
    auto engine = std::unique_ptr<OcrEngine>(new OcrEngine());
    const QByteArray dir = findTrainedData(options).toLocal8Bit();
    const QByteArray lang = options.language.toLocal8Bit();
    if (engine->m_impl->api.Init(dir.constData(), lang.constData(), tesseract::OEM_LSTM_ONLY) != 0) {
        return make_error(ErrorCode::unsupported,
                          ("ocr: Tesseract could not load '" + options.language + "' from " + QString::fromLocal8Bit(dir))
                              .toStdString());
    }
    engine->m_impl->api.SetPageSegMode(tesseract::PSM_AUTO);
    engine->m_impl->api.SetVariable("debug_file", "/dev/null");  // no "Estimating resolution" chatter
    return engine;
#else
    return make_error(ErrorCode::unsupported, "ocr: no Tesseract in this build");
#endif
}

Result<QString> OcrEngine::recognize(const QImage& image, int dpi) {
    if (image.isNull() || image.width() <= 0 || image.height() <= 0) {
        return make_error(ErrorCode::invalid_argument, "ocr: empty image");
    }
#ifdef TESSERA_HAVE_TESSERACT
    QImage grey = image;
    if (grey.width() > kMaxSide || grey.height() > kMaxSide) {
        const double s = double(kMaxSide) / std::max(grey.width(), grey.height());
        grey = grey.scaled(std::max(1, int(grey.width() * s)), std::max(1, int(grey.height() * s)), Qt::KeepAspectRatio,
                           Qt::SmoothTransformation);
        dpi = std::max(70, int(dpi * s));
    }
    if (grey.hasAlphaChannel()) {
        // Transparent regions become white paper, not black.
        QImage flat(grey.size(), QImage::Format_RGB32);
        flat.fill(Qt::white);
        for (int y = 0; y < grey.height(); ++y) {
            const QRgb* src = reinterpret_cast<const QRgb*>(grey.constScanLine(y));
            QRgb* dst = reinterpret_cast<QRgb*>(flat.scanLine(y));
            for (int x = 0; x < grey.width(); ++x) {
                const int a = qAlpha(src[x]);
                auto mix = [&](int c) { return (c * a + 255 * (255 - a)) / 255; };
                dst[x] = qRgb(mix(qRed(src[x])), mix(qGreen(src[x])), mix(qBlue(src[x])));
            }
        }
        grey = flat;
    }
    grey = grey.convertToFormat(QImage::Format_Grayscale8);
    if (grey.isNull()) return make_error(ErrorCode::io_error, "ocr: out of memory converting the image");
    tesseract::TessBaseAPI& api = m_impl->api;
    api.SetImage(grey.constBits(), grey.width(), grey.height(), 1, static_cast<int>(grey.bytesPerLine()));
    api.SetSourceResolution(std::clamp(dpi, 70, 2400));
    char* text = api.GetUTF8Text();
    api.Clear();
    if (!text) return make_error(ErrorCode::internal, "ocr: Tesseract returned no result");
    QString out = QString::fromUtf8(text);
    delete[] text;
    return out;
#else
    return make_error(ErrorCode::unsupported, "ocr: no Tesseract in this build");
#endif
}

}  // namespace tessera::docs
