#include "core/LocalState.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace presently {

namespace {
const QString kDrafts = QStringLiteral("drafts");
const QString kUnread = QStringLiteral("unread");
const QString kCount = QStringLiteral("count");
const QString kNewest = QStringLiteral("newest_mid");
const QString kPreviews = QStringLiteral("previews");
const QString kText = QStringLiteral("text");
const QString kTs = QStringLiteral("ts");
} // namespace

LocalState::LocalState(const QString &directory)
    : m_path(directory + QStringLiteral("/state.json"))
{
    QDir().mkpath(directory);
    load();
}

void LocalState::load()
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return;
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    const QJsonObject drafts = root.value(kDrafts).toObject();
    for (auto it = drafts.begin(); it != drafts.end(); ++it) {
        if (!it.value().toString().isEmpty())
            m_drafts.insert(it.key(), it.value().toString());
    }
    const QJsonObject unread = root.value(kUnread).toObject();
    for (auto it = unread.begin(); it != unread.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        const Unread u{o.value(kCount).toInt(), static_cast<qint64>(o.value(kNewest).toDouble())};
        if (u.count > 0)
            m_unread.insert(it.key(), u);
    }
    const QJsonObject previews = root.value(kPreviews).toObject();
    for (auto it = previews.begin(); it != previews.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        m_previews.insert(it.key(), {o.value(kText).toString(), static_cast<qint64>(o.value(kTs).toDouble())});
    }
}

void LocalState::setPreviews(const QHash<QString, Preview> &previews)
{
    if (previews == m_previews)
        return;
    m_previews = previews;
    m_dirty = true;
}

void LocalState::setDraft(const QString &peer, const QString &text)
{
    if (m_drafts.value(peer) == text)
        return;
    if (text.isEmpty())
        m_drafts.remove(peer);
    else
        m_drafts.insert(peer, text);
    m_dirty = true;
}

void LocalState::setUnread(const QHash<QString, Unread> &unread)
{
    QHash<QString, Unread> counted;
    for (auto it = unread.cbegin(); it != unread.cend(); ++it) {
        if (it.value().count > 0)
            counted.insert(it.key(), it.value());
    }
    if (counted == m_unread)
        return;
    m_unread = counted;
    m_dirty = true;
}

void LocalState::flush()
{
    if (!m_dirty)
        return;
    m_dirty = false;
    QJsonObject drafts;
    for (auto it = m_drafts.cbegin(); it != m_drafts.cend(); ++it)
        drafts.insert(it.key(), it.value());
    QJsonObject unread;
    for (auto it = m_unread.cbegin(); it != m_unread.cend(); ++it)
        unread.insert(it.key(), QJsonObject{{kCount, it.value().count}, {kNewest, it.value().newestMid}});
    QJsonObject previews;
    for (auto it = m_previews.cbegin(); it != m_previews.cend(); ++it)
        previews.insert(it.key(), QJsonObject{{kText, it.value().text}, {kTs, it.value().tsMs}});
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return;
    file.write(QJsonDocument(QJsonObject{{kDrafts, drafts}, {kUnread, unread}, {kPreviews, previews}})
                   .toJson(QJsonDocument::Compact));
    if (file.commit())
        QFile::setPermissions(m_path, QFile::ReadOwner | QFile::WriteOwner); // in a 0700 folder too
}

} // namespace presently
