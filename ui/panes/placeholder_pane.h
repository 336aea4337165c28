#pragma once
// PlaceholderPane: a tab whose feature lands with another issue. It says so plainly ("Coming
// soon") and names that issue; it offers no controls that pretend to work.
#include <QWidget>

namespace tessera {

struct PlaceholderInfo {
    QString title;        // "Image"
    QString description;  // what the pane will do
    QString issue;        // the issue that fills it
};

class PlaceholderPane : public QWidget {
    Q_OBJECT
public:
    explicit PlaceholderPane(const PlaceholderInfo& info, QWidget* parent = nullptr);
    const PlaceholderInfo& info() const { return m_info; }

    // The Image, Audio and Documents panes, in tab order.
    static QList<PlaceholderInfo> plannedPanes();

private:
    PlaceholderInfo m_info;
};

}  // namespace tessera
