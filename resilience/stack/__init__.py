"""The local stack: the Kafka broker from Maven jars, topics, the Airflow components and the
gateway as supervised processes, and the data engineer's `resilience status`."""
