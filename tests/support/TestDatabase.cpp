#include "TestDatabase.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>

TestDatabase::TestDatabase()
{
    if (qEnvironmentVariable("PRESENTLY_TEST_DB") == QLatin1String("postgresql"))
        m_postgres = std::make_unique<PostgresProcess>();
}

TestDatabase::~TestDatabase() = default;

bool TestDatabase::start(QString *error)
{
    if (!m_postgres || m_postgres->isRunning())
        return true;
    return m_postgres->start(error);
}

QString TestDatabase::create(const QString &name, QString *error)
{
    if (!m_postgres)
        return QStringLiteral("sqlite:") + m_dir.filePath(name + QStringLiteral(".sqlite"));
    const QString database = name.toLower();
    if (!m_postgres->createDatabase(database, error))
        return QString();
    return m_postgres->url(database);
}

QString TestDatabase::query(const QString &name, const QString &sql, bool *ok)
{
    if (m_postgres)
        return m_postgres->query(name.toLower(), sql, ok);
    const QString connection = QStringLiteral("inspect-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    QString value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(m_dir.filePath(name + QStringLiteral(".sqlite")));
        bool done = false;
        if (db.open()) {
            QSqlQuery q(db);
            done = q.exec(sql);
            if (done && q.next())
                value = q.value(0).toString();
        }
        if (ok)
            *ok = done;
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return value;
}
