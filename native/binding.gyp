# The optional native packet-protection addon (see native/README.md). Built against Node's own
# headers and its bundled OpenSSL; nothing is downloaded.
{
  'targets': [
    {
      'target_name': 'hush_native',
      'sources': ['src/module.c', 'src/args.c', 'src/gcm.c', 'src/chachapoly.c', 'src/ctr_etm.c', 'src/spawn.c', 'src/malloc_tuning.c', 'src/read_pool.c', 'src/socket_opts.c'],
      'cflags': ['-O2', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      'defines': ['NAPI_VERSION=8', 'OPENSSL_API_COMPAT=30000', 'OPENSSL_NO_DEPRECATED'],
    },
  ],
}
