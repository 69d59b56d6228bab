/* A shared object that is not a module: it has no RedisModule_OnLoad. */
int coil_not_a_module(int x) { return x + 1; }
