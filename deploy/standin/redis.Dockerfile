# A stand-in for the official redis image, built from Debian's redis-server
# on the Debian base (deploy/standin/base-image.sh) where no image registry
# is reachable. It keeps the official image's contract: the arguments are
# redis-server's (a first argument starting with "-" is one), data in /data,
# the server runs as the redis user, and protected mode is off (the official
# build's default), so other containers on the network reach it.
ARG BASE=localhost/smartgate/debian:bookworm
FROM ${BASE}
LABEL org.opencontainers.image.description="smartgate CI stand-in for the official image, from Debian packages (deploy/standin)"
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq redis-server >/dev/null \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /data && chown redis:redis /data
COPY deploy/standin/redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
