#include <stdlib.h>

#include "cc_test.h"

unsigned  cc_test_passed;
unsigned  cc_test_failed;


char *
cc_test_read(const char *path, size_t *len)
{
    FILE    *fp;
    char    *buf;
    long     size;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }

    if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0
        || fseek(fp, 0, SEEK_SET) != 0)
    {
        fclose(fp);
        return NULL;
    }

    buf = malloc((size_t) size + 1);

    if (buf != NULL && fread(buf, 1, (size_t) size, fp) != (size_t) size) {
        free(buf);
        buf = NULL;
    }

    fclose(fp);

    if (buf != NULL) {
        buf[size] = '\0';
        *len = (size_t) size;
    }

    return buf;
}


int
main(void)
{
    test_utf8();
    test_urlencoded();
    test_schema();
    test_validate();
    test_types();
    test_json();
    test_record();
    test_http();
    test_time();
    test_limit();
    test_token();
    test_events();
    test_registration();
    test_spool();
    test_reply();
    test_export();
    test_metrics();
    test_errors();
    test_reg_pages();
    test_notify();
    test_synth();

    printf("%u passed, %u failed\n", cc_test_passed, cc_test_failed);

    return cc_test_failed ? 1 : 0;
}
