#pragma once

#include <QSqlDatabase>
#include <QStringList>

namespace presently {

// One named QtSql connection to a SQLite file, set up the way every store here needs it: the
// folder made, a busy timeout, WAL, synchronous=FULL, then the store's own schema.
class SqliteConnection {
public:
    explicit SqliteConnection(const QString &purpose);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection &) = delete;
    SqliteConnection &operator=(const SqliteConnection &) = delete;

    bool open(const QString &path, const QStringList &schema, QString *error);
    QSqlDatabase &database() { return m_db; }

private:
    QString m_name;
    QSqlDatabase m_db;
};

} // namespace presently
