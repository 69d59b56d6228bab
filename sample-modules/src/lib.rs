//! Sample modules built and loaded by Coil's tests. Filled in by the module-host issue.
