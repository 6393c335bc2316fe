
/*
 * concertation: what the pages the module writes share — the site's
 * shell (concertation_page_fragments: the header, menu and footer the
 * static pages include with SSI), and the forms a page may show, known by
 * the address they post to.
 */

#ifndef _NGX_HTTP_CONCERTATION_PAGES_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_PAGES_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_http.h"


/* a form location, by the address its form posts to */
typedef struct {
    ngx_str_t                            uri;
    ngx_http_concertation_loc_conf_t    *conf;
} ngx_http_concertation_form_ref_t;


/* a location showing a form (concertation_form_page) */
struct ngx_http_concertation_page_s {
    ngx_str_t                            uri;       /* the page's own */
    ngx_str_t                            action;    /* the form's address */
    ngx_str_t                            before;    /* page, or empty */
    ngx_str_t                            closed;
    ngx_flag_t                           fragment;  /* the form alone */
    ngx_http_concertation_loc_conf_t    *form;      /* found by action */
    ngx_http_concertation_where_t        where;
};


struct ngx_http_concertation_pages_s {
    cc_shell_t                           shell;     /* parts NULL: plain */
    ngx_array_t                          forms;     /* of form_ref_t */
    ngx_array_t                          pages;     /* of page_t * */
    ngx_str_t                            signup;    /* the registration
                                                       form's page */
    ngx_str_t                            cancel;    /* the cancellation
                                                       page, in links */
};


ngx_http_concertation_pages_t *ngx_http_concertation_pages_create(
    ngx_conf_t *cf);
/* concertation_page_fragments <dir> */
char *ngx_http_concertation_page_fragments(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
/* a form location, when its form is declared */
ngx_int_t ngx_http_concertation_pages_add_form(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *clcf);
ngx_int_t ngx_http_concertation_pages_add_page(ngx_conf_t *cf,
    ngx_http_concertation_page_t *page);
/* once the http block is read: each page finds its form */
char *ngx_http_concertation_pages_init(ngx_conf_t *cf,
    ngx_http_concertation_pages_t *pages);


#endif /* _NGX_HTTP_CONCERTATION_PAGES_H_INCLUDED_ */
