#pragma once
// Helpers for the SessionStore tests: a pinned clock, raw access to a database file through a
// second connection, status assertions.
#include <gtest/gtest.h>

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>

#include "app/services/session_store.h"

// Readable QString values in gtest failure messages.
inline void PrintTo(const QString& s, std::ostream* os) { *os << '"' << s.toStdString() << '"'; }

namespace tessera::test {

#define ASSERT_STATUS_OK(expr)                                                  \
    do {                                                                        \
        const ::tessera::Status st_ = (expr);                                   \
        ASSERT_TRUE(st_.is_ok()) << #expr << " -> " << st_.to_string();         \
    } while (0)

#define EXPECT_STATUS_OK(expr)                                                  \
    do {                                                                        \
        const ::tessera::Status st_ = (expr);                                   \
        EXPECT_TRUE(st_.is_ok()) << #expr << " -> " << st_.to_string();         \
    } while (0)

// Unwraps a Result<T>, failing the test (fatally) on error.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                                        \
    auto TS_CONCAT(res_, __LINE__) = (expr);                                                   \
    ASSERT_TRUE(TS_CONCAT(res_, __LINE__).is_ok())                                             \
        << #expr << " -> " << TS_CONCAT(res_, __LINE__).status().to_string();                  \
    lhs = std::move(TS_CONCAT(res_, __LINE__)).value()

// A clock that starts at `start` ms and advances 1000 ms per reading.
inline std::function<qint64()> steppingClock(qint64 start = 1'700'000'000'000) {
    auto t = std::make_shared<qint64>(start);
    return [t]() {
        const qint64 now = *t;
        *t += 1000;
        return now;
    };
}

// A second, independent connection to a database file (for checks behind the store's back).
class RawDb {
public:
    explicit RawDb(const QString& path) : m_name(QStringLiteral("raw.%1").arg(++serial())) {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        m_ok = db.open();
    }
    ~RawDb() {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    bool ok() const { return m_ok; }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }

    // First column of every row of `sql`, as strings joined by '|' per row.
    QStringList rows(const QString& sql) const {
        QSqlQuery q(db());
        QStringList out;
        if (!q.exec(sql)) {
            ADD_FAILURE() << "raw query failed: " << sql.toStdString() << ": " << q.lastError().text().toStdString();
            return out;
        }
        const int n = q.record().count();
        while (q.next()) {
            QStringList cols;
            for (int i = 0; i < n; ++i) cols << q.value(i).toString();
            out << cols.join(QLatin1Char('|'));
        }
        return out;
    }
    QString value(const QString& sql) const {
        const QStringList r = rows(sql);
        return r.isEmpty() ? QString() : r.first();
    }
    bool exec(const QString& sql) const {
        QSqlQuery q(db());
        if (!q.exec(sql)) {
            ADD_FAILURE() << "raw exec failed: " << sql.toStdString() << ": " << q.lastError().text().toStdString();
            return false;
        }
        return true;
    }

private:
    static int& serial() {
        static int n = 0;
        return n;
    }
    QString m_name;
    bool m_ok = false;
};

// The schema (sqlite_master) of a database file, one "type name: sql" line per object, with
// whitespace normalised so that formatting differences do not count.
inline QStringList normalisedSchema(const QString& path) {
    RawDb raw(path);
    QStringList out;
    for (QString line : raw.rows(QStringLiteral(
             "SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"))) {
        line = line.simplified();
        line.replace(QStringLiteral("( "), QStringLiteral("("));
        line.replace(QStringLiteral(" )"), QStringLiteral(")"));
        line.replace(QStringLiteral(" ,"), QStringLiteral(","));
        out << line;
    }
    return out;
}

// tests/app/data, located from this file (the build passes absolute source paths) or, failing
// that, from the working directory (ctest runs in the repository root).
inline std::filesystem::path appTestDataDir() {
    const std::filesystem::path here = std::filesystem::path(__FILE__).parent_path().parent_path() / "data";
    if (std::filesystem::exists(here)) return here;
    return std::filesystem::path("tests/app/data");
}

}  // namespace tessera::test
