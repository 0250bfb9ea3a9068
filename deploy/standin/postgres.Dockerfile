# A stand-in for the official postgres image, built from Debian's
# postgresql-15 on the Debian base (deploy/standin/base-image.sh) where no
# image registry is reachable. It keeps the official image's contract:
# POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
# POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default POSTGRES_USER),
# POSTGRES_INITDB_ARGS, PGDATA (default /var/lib/postgresql/data),
# /docker-entrypoint-initdb.d/*.sql and *.sh on first start, the server
# listening on every interface as the postgres user, pg_isready on PATH.
ARG BASE=localhost/smartgate/debian:bookworm
FROM ${BASE}
LABEL org.opencontainers.image.description="smartgate CI stand-in for the official image, from Debian packages (deploy/standin)"
RUN mkdir -p /etc/postgresql-common \
    && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
    && apt-get update -qq && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq postgresql-15 >/dev/null \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d \
    && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY deploy/standin/postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
