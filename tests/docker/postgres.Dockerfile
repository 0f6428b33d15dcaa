# A stand-in for the official postgres image where no registry is reachable, built on the local
# Debian base (tests/test_stack.py): it does what deploy/docker-compose.yml asks of postgres:16-alpine
# (POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD on first start, data in /var/lib/postgresql/data,
# pg_isready for the health check, password authentication over the network).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# No cluster made by the package: the entrypoint initialises the volume on first start.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/no-main.conf \
    && apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data \
    && install -d -o postgres -g postgres -m 2775 /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data
USER postgres
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["sh", "/usr/local/bin/postgres-entrypoint"]
