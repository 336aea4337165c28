#pragma once
// ModelInfoDialog: what the InferenceWorker reported about the loaded GGUF model.
#include <QDialog>

#include "app/services/inference_types.h"

namespace tessera {

// The name to show for a model: general.name, unless it is missing or just the architecture
// ("llama"), then the file's base name ("stories260K").
QString modelDisplayName(const ModelInfo& info);

class ModelInfoDialog : public QDialog {
    Q_OBJECT
public:
    explicit ModelInfoDialog(const ModelInfo& info, QWidget* parent = nullptr);

    // 1536 -> "1.5K", 1240000000 -> "1.24B" (parameter counts).
    static QString formatCount(qint64 n);
    // Bytes with a binary unit: "12.5 MiB".
    static QString formatBytes(qint64 bytes);

signals:
    void openAnotherRequested();
};

}  // namespace tessera
