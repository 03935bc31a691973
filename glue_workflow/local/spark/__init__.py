"""A warm Spark for local Glue Spark jobs: JVMs kept alive between job runs.

As Glue's warm pools do, the local engine keeps a JVM running between Spark job runs;
each job run attaches to it through PySpark's gateway variables and gets a fresh
``SparkContext`` (stopped, and the JVM's global state reset, when the run ends).
"""
