/*
 * The module's answers, in French (cc_messages.h).  Non-breaking spaces
 * (U+00A0) stand before the French double punctuation.
 */

#include <stddef.h>

#include "cc_messages.h"

#define NBSP  "\xc2\xa0"


static const cc_message_t  cc_messages[CC_MSG_N] = {

    [CC_MSG_METHOD_FORM] = { 405, "method_not_allowed", NULL,
        "Ce formulaire s'envoie avec la méthode POST." },

    [CC_MSG_METHOD_CANCEL] = { 405, "method_not_allowed", NULL,
        "L'annulation s'envoie avec la méthode POST." },

    [CC_MSG_METHOD_PROGRAMME] = { 405, "method_not_allowed", NULL,
        "Le programme se consulte avec la méthode GET." },

    [CC_MSG_METHOD_STATUS] = { 405, "method_not_allowed", NULL,
        "La page d'état se consulte avec la méthode GET." },

    [CC_MSG_TYPE_FORM] = { 415, "unsupported_media_type", NULL,
        "Le formulaire doit être envoyé en JSON (application/json) ou comme "
        "un formulaire HTML (application/x-www-form-urlencoded), encodé en "
        "UTF-8." },

    [CC_MSG_TYPE_CANCEL] = { 415, "unsupported_media_type", NULL,
        "L'annulation doit être envoyée en JSON (application/json) ou comme "
        "un formulaire HTML (application/x-www-form-urlencoded)." },

    [CC_MSG_LENGTH_REQUIRED] = { 411, "length_required", NULL,
        "La longueur de l'envoi (Content-Length) doit être indiquée." },

    [CC_MSG_TOO_LARGE_FORM] = { 413, "too_large", NULL,
        "Votre réponse est trop volumineuse pour être enregistrée. "
        "Raccourcissez vos textes et renvoyez-la." },

    [CC_MSG_TOO_LARGE_CANCEL] = { 413, "too_large", NULL,
        "Une demande d'annulation ne contient que le jeton d'annulation." },

    /* ngx_http_concertation_window.c: the date, as the operator wrote it */
    [CC_MSG_NOT_OPEN] = { 403, "not_open", NULL,
        "La consultation n'est pas encore ouverte : elle ouvrira le %s." },

    [CC_MSG_CLOSED] = { 410, "closed", NULL,
        "La consultation est terminée : les réponses ne sont plus "
        "acceptées. Merci de votre intérêt." },

    /* ngx_http_concertation_response.c: "3 minutes", "1 seconde" */
    [CC_MSG_RATE_LIMITED] = { 429, "rate_limited", NULL,
        "Trop d'envois ont été faits depuis votre connexion en peu de "
        "temps. Merci de réessayer dans %s." },

    [CC_MSG_LIMIT_NO_ROOM] = { 503, "unavailable", NULL,
        "Le service est momentanément indisponible. Merci de réessayer "
        "dans quelques instants." },

    [CC_MSG_CROSS_SITE] = { 403, "cross_site", NULL,
        "Cet envoi ne provient pas du site de la concertation" NBSP "; il a "
        "été refusé. Répondez depuis le formulaire du site." },

    [CC_MSG_BODY_TIMEOUT] = { 408, "timeout", NULL,
        "Votre envoi a pris trop de temps et n'a pas été enregistré. "
        "Vérifiez votre connexion et renvoyez le formulaire." },

    /* one answer whatever the abuse control: a robot learns nothing */
    [CC_MSG_REFUSED] = { 403, "refused", NULL,
        "Votre envoi n'a pas pu être accepté. Si vous répondez vous-même au "
        "questionnaire, vérifiez vos réponses et renvoyez le formulaire." },

    [CC_MSG_IDEMPOTENCY_HEADER] = { 400, "invalid_idempotency_key",
        "Idempotency-Key",
        "L'en-tête Idempotency-Key doit être envoyé une fois et compter de "
        "1 à 255 caractères ASCII visibles." },

    [CC_MSG_IDEMPOTENCY_FIELD] = { 400, "invalid_idempotency_key",
        "_idempotency_key",
        "Le champ _idempotency_key doit compter de 1 à 255 caractères ASCII "
        "visibles." },

    [CC_MSG_UNAVAILABLE_ANSWER] = { 503, "unavailable", NULL,
        "Le service est momentanément indisponible : votre réponse n'a pas "
        "pu être enregistrée. Merci de réessayer dans quelques instants." },

    [CC_MSG_UNAVAILABLE_REQUEST] = { 503, "unavailable", NULL,
        "Le service est momentanément indisponible : votre demande n'a pas "
        "pu être enregistrée. Merci de réessayer dans quelques instants." },

    [CC_MSG_UNKNOWN_EVENT] = { 422, "unknown_event", "evenement",
        "Cet événement ne fait pas partie du programme." },

    [CC_MSG_EMAIL_REQUIRED] = { 422, "required", "email",
        "Indiquez votre adresse électronique." },

    [CC_MSG_REGISTRATION_CLOSED] = { 410, "closed", "evenement",
        "Les inscriptions à cet événement sont closes." },

    [CC_MSG_EVENT_FULL] = { 409, "complet", "evenement",
        "Cet événement est complet : il ne reste ni place ni place sur la "
        "liste d'attente." },

    [CC_MSG_TOKEN_MALFORMED] = { 422, "malformed", "jeton",
        "Ce jeton d'annulation est mal formé : copiez-le en entier depuis le "
        "message de confirmation." },

    [CC_MSG_TOKEN_FORGED] = { 403, "forged", "jeton",
        "Ce jeton d'annulation n'est pas valable." },

    [CC_MSG_TOKEN_EVENT_GONE] = { 404, "unknown_event", "jeton",
        "Cet événement ne fait plus partie du programme." },

    [CC_MSG_REGISTRATION_NOT_FOUND] = { 404, "not_found", "jeton",
        "Cette inscription est introuvable." },
};


const cc_message_t *
cc_message(cc_msg_e id)
{
    return &cc_messages[(unsigned) id < CC_MSG_N ? id
                                               : CC_MSG_UNAVAILABLE_REQUEST];
}
