/*
 * Every answer the module gives a person or a script, in one table: its
 * HTTP status, its error code (the JSON "code"), the field it is about and
 * its text in French.  A person changing the wording changes it here.
 * A text with a conversion (%s) is formatted by its one caller, which the
 * comment beside the entry names; the texts of the 400 and 422 answers
 * all go through a format ("%%" is a percent sign there).
 */

#ifndef CC_MESSAGES_H
#define CC_MESSAGES_H

typedef enum {
    /* before the body is read */
    CC_MSG_METHOD_FORM = 0,
    CC_MSG_METHOD_CANCEL,
    CC_MSG_METHOD_PROGRAMME,
    CC_MSG_METHOD_STATUS,
    CC_MSG_TYPE_FORM,
    CC_MSG_TYPE_CANCEL,
    CC_MSG_TOO_LARGE_FORM,
    CC_MSG_TOO_LARGE_CANCEL,
    CC_MSG_NOT_OPEN,                /* %s: the opening date */
    CC_MSG_CLOSED,
    CC_MSG_RATE_LIMITED,            /* %s: "3 minutes" */
    CC_MSG_LIMIT_NO_ROOM,
    CC_MSG_CROSS_SITE,

    /* while and after the body is read */
    CC_MSG_BODY_TIMEOUT,
    CC_MSG_EMPTY_BODY,
    CC_MSG_REFUSED,
    CC_MSG_IDEMPOTENCY_HEADER,
    CC_MSG_IDEMPOTENCY_FIELD,

    /* Redis */
    CC_MSG_UNAVAILABLE_ANSWER,
    CC_MSG_UNAVAILABLE_REQUEST,

    /* registrations and cancellations */
    CC_MSG_UNKNOWN_EVENT,
    CC_MSG_EMAIL_REQUIRED,
    CC_MSG_REGISTRATION_CLOSED,
    CC_MSG_EVENT_FULL,
    CC_MSG_TOKEN_MALFORMED,
    CC_MSG_TOKEN_FORGED,
    CC_MSG_TOKEN_EVENT_GONE,
    CC_MSG_REGISTRATION_NOT_FOUND,

    /* a body that cannot be read (400): cc_body.c, formatted there */
    CC_MSG_JSON_EMPTY,
    CC_MSG_JSON_ENCODING,
    CC_MSG_JSON_UNICODE,
    CC_MSG_JSON_DUPLICATE,          /* %s: the key */
    CC_MSG_JSON_NOT_OBJECT,
    CC_MSG_JSON_SYNTAX,             /* %zu, %zu: line, column */
    CC_MSG_FORM_ESCAPE,
    CC_MSG_FORM_UTF8,
    CC_MSG_FORM_NUL,
    CC_MSG_FORM_TOO_MANY,           /* %d: the most */

    /* a field's answer (422): cc_validate.c, formatted there */
    CC_MSG_REQUIRED,
    CC_MSG_REQUIRED_CHOICE,
    CC_MSG_REQUIRED_CONSENT,
    CC_MSG_REQUIRED_COUNT,          /* %s: CC_TEXT_COUNT_* */
    CC_MSG_TOO_FEW,                 /* %s, %zu, %s: wanted, ticked, "s" */
    CC_MSG_TOO_MANY,                /* the same */
    CC_MSG_INVALID_CHOICE,
    CC_MSG_INVALID_OPTION,          /* %s: the answer */
    CC_MSG_LIST_EXPECTED,
    CC_MSG_ONE_EXPECTED,
    CC_MSG_TEXT_EXPECTED,
    CC_MSG_TRUE_EXPECTED,
    CC_MSG_INVALID_CHARACTERS,
    CC_MSG_TOO_LONG,                /* %zu, %s, %zu: most, "s", typed */
    CC_MSG_INVALID_EMAIL,
    CC_MSG_MUST_BE_TRUE,
    CC_MSG_DUPLICATE_FIELD,
    CC_MSG_UNKNOWN_FIELD,           /* %s: the name */
    CC_MSG_ONE_LINE,
    CC_MSG_NUMBER_EXPECTED,
    CC_MSG_NUMBER_RANGE,            /* %lld, %lld: min, max */
    CC_MSG_INVALID_POINT,           /* %zu: the points */
    CC_MSG_REQUIRED_ROW,            /* %s: the statement */
    CC_MSG_REQUIRED_RANK,           /* %s: CC_TEXT_COUNT_* */
    CC_MSG_RANK_TOO_FEW,            /* %s, %zu, %s: wanted, ranked, "s" */
    CC_MSG_RANK_TOO_MANY,           /* the same */
    CC_MSG_RANK_DUPLICATE,          /* %s: the option's label */
    CC_MSG_OTHER_REQUIRED,          /* %s: the "other" option's label */
    CC_MSG_OTHER_WITHOUT,           /* the same */

    CC_MSG_N
} cc_msg_e;


typedef struct {
    unsigned            status;
    const char         *code;
    const char         *field;          /* NULL: the request as a whole */
    const char         *text;
} cc_message_t;

const cc_message_t *cc_message(cc_msg_e id);


/* how many answers a field of several wants, in CC_MSG_TOO_FEW and others */
#define CC_TEXT_COUNT_EXACTLY      "exactement %zu réponse%s"
#define CC_TEXT_COUNT_AT_LEAST     "au moins %zu réponse%s"
#define CC_TEXT_COUNT_AT_MOST      "au plus %zu réponse%s"
#define CC_TEXT_COUNT_BETWEEN      "entre %zu et %zu réponses"

/* the titles and sentences of the pages the module writes itself */
#define CC_PAGE_ERROR_TITLE        "Votre envoi n'a pas pu être traité"
#define CC_PAGE_UNAVAILABLE_TITLE  "Service momentanément indisponible"
#define CC_PAGE_THANKS_TITLE       "Merci pour votre réponse"
#define CC_PAGE_THANKS_TEXT        "Votre réponse est enregistrée."
#define CC_PAGE_REGISTERED_TITLE   "Inscription enregistrée"
#define CC_PAGE_REGISTERED_TEXT    "Votre inscription est enregistrée."
#define CC_PAGE_CANCELLED_TITLE    "Inscription annulée"
#define CC_PAGE_CANCELLED_TEXT     "Votre inscription est annulée : votre " \
                                   "place revient à la première personne " \
                                   "de la liste d'attente."
/* every page the module writes: "<title>Merci — Concertation ESS — ...>" */
#define CC_PAGE_TITLE_SUFFIX       " \xe2\x80\x94 Concertation ESS \xe2\x80\x94 " \
                                   "Région Normandie"
/* the questionnaire's page (cc_html.c) */
#define CC_PAGE_REQUIRED_NOTE      "Les questions suivies de la mention " \
                                   "<span class=\"obligatoire\">" \
                                   "(obligatoire)</span> doivent être " \
                                   "remplies. Les autres sont facultatives."
#define CC_PAGE_SAVE_DRAFT         "Enregistrer et reprendre plus tard"
#define CC_PAGE_DRAFT_SAVED        "Vos réponses sont enregistrées comme " \
                                   "brouillon. Pour reprendre plus tard, " \
                                   "gardez ce lien (copiez-le ou ajoutez-le " \
                                   "à vos favoris)\xc2\xa0:"
#define CC_PAGE_DRAFT_KEEP         "Ce lien est personnel\xc2\xa0: il ouvre " \
                                   "vos réponses à qui le connaît. Vous " \
                                   "pouvez continuer ci-dessous\xc2\xa0; le " \
                                   "brouillon disparaît quand vous " \
                                   "envoyez le questionnaire."
#define CC_PAGE_DRAFT_RESUMED      "Voici les réponses de votre " \
                                   "brouillon\xc2\xa0: complétez-les, puis " \
                                   "envoyez le questionnaire (ou " \
                                   "enregistrez-le à nouveau)."
#define CC_PAGE_DRAFT_NOT_FOUND    "Ce brouillon est introuvable\xc2\xa0: le " \
                                   "lien est incomplet, ou le brouillon a " \
                                   "expiré ou a déjà été envoyé. Le " \
                                   "questionnaire ci-dessous est vide."
#define CC_PAGE_DRAFT_UNAVAILABLE  "Votre brouillon ne peut pas être " \
                                   "repris pour le moment\xc2\xa0: réessayez " \
                                   "dans quelques minutes. Le " \
                                   "questionnaire ci-dessous est vide."
#define CC_PAGE_FORM_ERROR_TITLE   "Erreur dans le formulaire"
#define CC_PAGE_NOT_OPEN_TITLE     "La concertation n'est pas encore ouverte"
#define CC_PAGE_CLOSED_TITLE       "La concertation est close"
/* the form shown again (cc_html.c) */
#define CC_PAGE_NOT_RECORDED       "Votre réponse n'a pas été enregistrée"
#define CC_PAGE_REG_NOT_RECORDED   "Votre inscription n'a pas été " \
                                   "enregistrée"
#define CC_PAGE_ERRORS             "erreurs à corriger"
#define CC_PAGE_ERROR              "erreur à corriger"
#define CC_PAGE_SUBMIT             "Envoyer ma réponse"
#define CC_PAGE_HONEYPOT           "Ne remplissez pas ce champ\xc2\xa0: il " \
                                   "sert à écarter les envois automatiques."

#endif /* CC_MESSAGES_H */
