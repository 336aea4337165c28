#include "ui/panes/placeholder_pane.h"

#include <QLabel>
#include <QVBoxLayout>

namespace tessera {

QList<PlaceholderInfo> PlaceholderPane::plannedPanes() {
    return {
        {tr("Image"), tr("Ask about an image: drop a picture into a chat and a vision model describes it, reads "
                         "its text and answers questions about it."),
         tr("the “Vision: ask about an image” issue")},
        {tr("Audio"), tr("Transcribe a recording on this computer, then search it and ask questions about it."),
         tr("the “Audio: transcribe and question audio” issue")},
        {tr("Documents"), tr("Add your own documents; answers cite the passages they come from."),
         tr("the “Documents: analyse your own documents” issue")},
    };
}

PlaceholderPane::PlaceholderPane(const PlaceholderInfo& info, QWidget* parent) : QWidget(parent), m_info(info) {
    setObjectName(QStringLiteral("placeholderPane"));
    setAttribute(Qt::WA_StyledBackground, true);
    setAccessibleName(tr("%1 (coming soon)").arg(info.title));

    auto* badge = new QLabel(tr("Coming soon"));
    badge->setObjectName(QStringLiteral("muted"));
    badge->setAlignment(Qt::AlignCenter);
    auto* title = new QLabel(info.title);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.8);
    big.setBold(true);
    title->setFont(big);
    title->setAlignment(Qt::AlignCenter);
    auto* description = new QLabel(info.description);
    description->setWordWrap(true);
    description->setAlignment(Qt::AlignCenter);
    description->setMaximumWidth(520);
    auto* issue = new QLabel(tr("Not available in this version. This pane is filled by %1.").arg(info.issue));
    issue->setObjectName(QStringLiteral("muted"));
    issue->setWordWrap(true);
    issue->setAlignment(Qt::AlignCenter);
    issue->setMaximumWidth(520);

    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    layout->addWidget(badge, 0, Qt::AlignHCenter);
    layout->addWidget(title, 0, Qt::AlignHCenter);
    layout->addSpacing(6);
    layout->addWidget(description, 0, Qt::AlignHCenter);
    layout->addSpacing(6);
    layout->addWidget(issue, 0, Qt::AlignHCenter);
    layout->addStretch(2);
}

}  // namespace tessera
