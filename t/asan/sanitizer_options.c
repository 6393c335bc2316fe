
/*
 * Linked into the nginx of "make test-asan": the sanitizers' options,
 * built in.  nginx replaces its environment before UBSan reads
 * UBSAN_OPTIONS (at its first report, in a worker), so the variable alone
 * is lost; ASAN_OPTIONS, read at start, still adds to these.
 */


#ifndef CC_UBSAN_SUPPRESSIONS
#define CC_UBSAN_SUPPRESSIONS  "ubsan.supp"
#endif


const char *__asan_default_options(void);
const char *__ubsan_default_options(void);


const char *
__asan_default_options(void)
{
    /* workers exit without freeing their pools; nginx and every dynamic
     * module both define ngx_module_names */

    return "detect_leaks=0:detect_odr_violation=0:halt_on_error=1:"
           "log_path=stderr";
}


const char *
__ubsan_default_options(void)
{
    return "print_stacktrace=1:halt_on_error=0:suppressions="
           CC_UBSAN_SUPPRESSIONS;
}
