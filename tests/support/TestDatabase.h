#pragma once

#include "PostgresProcess.h"

#include <QString>
#include <QTemporaryDir>
#include <memory>

// The database a suite's gateways share, on the engine the run asks for: SQLite files by
// default, a real PostgreSQL server (PostgresProcess) when PRESENTLY_TEST_DB=postgresql. ctest
// runs the message and account suites both ways.
class TestDatabase {
public:
    TestDatabase();
    ~TestDatabase();

    bool isPostgres() const { return m_postgres != nullptr; }
    QString engineName() const { return isPostgres() ? QStringLiteral("postgresql") : QStringLiteral("sqlite"); }
    // Starts PostgreSQL when the run is on it (once).
    bool start(QString *error);
    // A new empty database (a file, or a database on the server): its --db URL.
    QString create(const QString &name, QString *error);
    // The first column of the first row of `sql` on the database `create(name)` made ("" when
    // there is none); `ok` false when the statement failed.
    QString query(const QString &name, const QString &sql, bool *ok = nullptr);
    PostgresProcess *postgres() { return m_postgres.get(); }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<PostgresProcess> m_postgres;
};
