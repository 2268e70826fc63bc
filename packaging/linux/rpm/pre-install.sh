# The service's user and group, as the .deb's postinst makes them (Fedora's packaging guidelines:
# created before the files, never removed).
getent group presently >/dev/null || groupadd --system presently
getent passwd presently >/dev/null ||
    useradd --system --gid presently --home-dir /var/lib/presently --no-create-home \
        --shell /sbin/nologin --comment "Presently chat gateway" presently
exit 0
