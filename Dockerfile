# sellerledger on the official Airflow image: the package is installed from this checkout.
FROM apache/airflow:3.3.2-python3.11
USER root
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
USER airflow
COPY --chown=airflow:root requirements.txt requirements.lock pyproject.toml README.md /opt/sellerledger/
COPY --chown=airflow:root plugins /opt/sellerledger/plugins
RUN pip install --no-cache-dir -r /opt/sellerledger/requirements.txt -c /opt/sellerledger/requirements.lock \
 && pip install --no-cache-dir --no-deps -e /opt/sellerledger
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root include /opt/sellerledger/include
ENV SELLERLEDGER_HOME=/opt/sellerledger
