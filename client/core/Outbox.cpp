#include "core/Outbox.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <algorithm>

namespace presently {

Outbox::Outbox(const QString &directory)
    : m_path(directory + QStringLiteral("/outbox.json"))
{
    QDir().mkpath(directory);
    load();
}

void Outbox::load()
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return;
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    m_lastMid = static_cast<qint64>(root.value(QStringLiteral("last_mid")).toDouble());
    for (const QJsonValue &v : root.value(QStringLiteral("pending")).toArray()) {
        const QJsonObject o = v.toObject();
        m_pending.append({o.value(QStringLiteral("cid")).toString(), o.value(QStringLiteral("to")).toString(),
                          o.value(QStringLiteral("body")).toString(),
                          static_cast<qint64>(o.value(QStringLiteral("created")).toDouble())});
    }
}

void Outbox::save()
{
    m_dirty = false;
    QJsonArray pending;
    for (const Pending &p : m_pending) {
        pending.append(QJsonObject{{QStringLiteral("cid"), p.cid},
                                   {QStringLiteral("to"), p.to},
                                   {QStringLiteral("body"), p.body},
                                   {QStringLiteral("created"), p.createdMs}});
    }
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return;
    file.write(QJsonDocument(QJsonObject{{QStringLiteral("last_mid"), m_lastMid}, {QStringLiteral("pending"), pending}})
                   .toJson(QJsonDocument::Compact));
    if (file.commit())
        QFile::setPermissions(m_path, QFile::ReadOwner | QFile::WriteOwner); // in a 0700 folder too
}

void Outbox::add(const Pending &pending)
{
    m_pending.append(pending);
    save();
}

bool Outbox::contains(const QString &cid) const
{
    return std::any_of(m_pending.cbegin(), m_pending.cend(), [&](const Pending &p) { return p.cid == cid; });
}

bool Outbox::acknowledge(const QString &cid)
{
    for (qsizetype i = 0; i < m_pending.size(); ++i) {
        if (m_pending.at(i).cid == cid) {
            m_pending.removeAt(i);
            save();
            return true;
        }
    }
    return false;
}

void Outbox::noteMid(qint64 mid)
{
    if (mid <= m_lastMid)
        return;
    m_lastMid = mid;
    m_dirty = true;
}

void Outbox::flush()
{
    if (m_dirty)
        save();
}

} // namespace presently
