#pragma once

#include <QString>
#include <optional>

namespace presently {

// Where accounts and messages live: a SQLite file (one machine, the default) or a PostgreSQL
// server (a fleet). Parsed from --db.
struct DatabaseAddress {
    enum class Engine { Sqlite, Postgres };
    Engine engine = Engine::Sqlite;
    QString path; // SQLite: the file
    // PostgreSQL: what the URL gives; anything empty is left to libpq (PGHOST, PGPORT, PGUSER,
    // PGPASSWORD, PGDATABASE, ~/.pgpass, the Unix socket).
    QString host;
    int port = -1;
    QString user;
    QString password;
    QString database;
    QString options; // libpq keywords from the URL's query, "key=value;key=value" (QtSql's form)

    bool isPostgres() const { return engine == Engine::Postgres; }
    // For logs and errors: never the password.
    QString describe() const;

    // sqlite:PATH, or postgresql://[USER[:PASSWORD]@][HOST][:PORT][/DB][?KEY=VALUE&...] (also
    // postgres://). Empty with `error` set when it is neither.
    static std::optional<DatabaseAddress> parse(const QString &text, QString *error);
    static QString usage();
    static DatabaseAddress sqliteFile(const QString &path)
    {
        DatabaseAddress file;
        file.path = path;
        return file;
    }
};

} // namespace presently
