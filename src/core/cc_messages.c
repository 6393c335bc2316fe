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

    [CC_MSG_EMPTY_BODY] = { 400, "empty", NULL,
        "Le formulaire envoyé est vide" NBSP ": rien n'a été reçu. "
        "Remplissez-le, puis envoyez-le de nouveau." },

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

    [CC_MSG_JSON_EMPTY] = { 400, "invalid_json", NULL,
        "Le corps de la requête est vide" NBSP "; envoyez un objet JSON." },

    [CC_MSG_JSON_ENCODING] = { 400, "invalid_encoding", NULL,
        "Le document JSON contient un caractère interdit (UTF-8 invalide ou "
        "caractère nul)." },

    [CC_MSG_JSON_UNICODE] = { 400, "invalid_encoding", NULL,
        "Le document JSON contient un caractère Unicode invalide (\\u isolé "
        "ou hors limites)." },

    [CC_MSG_JSON_DUPLICATE] = { 400, "invalid_json", NULL,
        "La clé «" NBSP "%s" NBSP "» apparaît plusieurs fois dans le "
        "document JSON" NBSP "; envoyez chaque champ une seule fois." },

    [CC_MSG_JSON_NOT_OBJECT] = { 400, "invalid_json", NULL,
        "Le document JSON doit être un objet associant chaque nom de champ "
        "à sa valeur." },

    [CC_MSG_JSON_SYNTAX] = { 400, "invalid_json", NULL,
        "Le corps de la requête n'est pas un document JSON valide (ligne "
        "%zu, colonne %zu)" NBSP "; vérifiez sa syntaxe." },

    [CC_MSG_FORM_ESCAPE] = { 400, "invalid_encoding", NULL,
        "Le formulaire contient un signe «" NBSP "%%" NBSP "» qui n'est pas "
        "suivi de deux chiffres hexadécimaux (par exemple %%C3%%A9)." },

    [CC_MSG_FORM_UTF8] = { 400, "invalid_encoding", NULL,
        "Le formulaire n'est pas encodé en UTF-8 valide" NBSP "; renvoyez-le "
        "depuis la page du questionnaire." },

    [CC_MSG_FORM_NUL] = { 400, "invalid_encoding", NULL,
        "Le formulaire contient un caractère nul, qui n'est pas autorisé." },

    [CC_MSG_FORM_TOO_MANY] = { 400, "too_many_fields", NULL,
        "Le formulaire contient trop de champs (%d au plus)." },

    [CC_MSG_REQUIRED] = { 422, "required", NULL,
        "Ce champ est obligatoire." },

    [CC_MSG_REQUIRED_CHOICE] = { 422, "required", NULL,
        "Ce champ est obligatoire" NBSP ": choisissez une réponse." },

    [CC_MSG_REQUIRED_CONSENT] = { 422, "required", NULL,
        "Ce champ est obligatoire" NBSP ": cochez la case pour pouvoir "
        "envoyer votre réponse." },

    [CC_MSG_REQUIRED_COUNT] = { 422, "required", NULL,
        "Ce champ est obligatoire" NBSP ": choisissez %s." },

    [CC_MSG_TOO_FEW] = { 422, "too_few", NULL,
        "Choisissez %s (%zu cochée%s)." },

    [CC_MSG_TOO_MANY] = { 422, "too_many", NULL,
        "Choisissez %s (%zu cochée%s)." },

    [CC_MSG_INVALID_CHOICE] = { 422, "invalid_choice", NULL,
        "Choisissez l'une des réponses proposées." },

    [CC_MSG_INVALID_OPTION] = { 422, "invalid_choice", NULL,
        "La réponse «" NBSP "%s" NBSP "» ne fait pas partie des réponses "
        "proposées." },

    [CC_MSG_LIST_EXPECTED] = { 422, "invalid_type", NULL,
        "Ce champ attend une liste de réponses (textes)." },

    [CC_MSG_ONE_EXPECTED] = { 422, "invalid_type", NULL,
        "Ce champ attend une seule réponse, sous forme de texte." },

    [CC_MSG_TEXT_EXPECTED] = { 422, "invalid_type", NULL,
        "Ce champ attend un texte." },

    [CC_MSG_TRUE_EXPECTED] = { 422, "invalid_type", NULL,
        "Ce champ attend la valeur true (case cochée)." },

    [CC_MSG_INVALID_CHARACTERS] = { 422, "invalid_characters", NULL,
        "Votre texte contient des caractères de contrôle non autorisés"
        NBSP "; retirez-les puis renvoyez le formulaire." },

    [CC_MSG_TOO_LONG] = { 422, "too_long", NULL,
        "Votre texte dépasse %zu caractère%s (%zu saisis)" NBSP "; "
        "raccourcissez-le." },

    [CC_MSG_INVALID_EMAIL] = { 422, "invalid_email", NULL,
        "Cette adresse électronique n'est pas valide (exemple" NBSP ": "
        "nom@domaine.fr)." },

    [CC_MSG_MUST_BE_TRUE] = { 422, "must_be_true", NULL,
        "Vous devez cocher cette case pour pouvoir envoyer votre réponse." },

    [CC_MSG_DUPLICATE_FIELD] = { 422, "duplicate_field", NULL,
        "Ce champ a été envoyé plusieurs fois" NBSP "; une seule valeur est "
        "attendue." },

    [CC_MSG_UNKNOWN_FIELD] = { 422, "unknown_field", NULL,
        "Le champ «" NBSP "%s" NBSP "» n'existe pas dans ce formulaire." },

    [CC_MSG_ONE_LINE] = { 422, "one_line", NULL,
        "Ce champ tient sur une seule ligne" NBSP ": retirez les retours à "
        "la ligne." },

    [CC_MSG_NUMBER_EXPECTED] = { 422, "invalid_number", NULL,
        "Saisissez un nombre entier, en chiffres, sans espace ni virgule "
        "(par exemple 12)." },

    [CC_MSG_NUMBER_RANGE] = { 422, "out_of_range", NULL,
        "Saisissez un nombre entre %lld et %lld." },

    [CC_MSG_INVALID_POINT] = { 422, "invalid_choice", NULL,
        "Choisissez l'une des réponses de l'échelle (de 1 à %zu)." },

    [CC_MSG_REQUIRED_ROW] = { 422, "required", NULL,
        "«" NBSP "%s" NBSP "»" NBSP ": choisissez une réponse pour cette "
        "ligne." },

    [CC_MSG_REQUIRED_RANK] = { 422, "required", NULL,
        "Ce champ est obligatoire" NBSP ": classez %s." },

    [CC_MSG_RANK_TOO_FEW] = { 422, "too_few", NULL,
        "Classez %s (%zu classée%s)." },

    [CC_MSG_RANK_TOO_MANY] = { 422, "too_many", NULL,
        "Classez %s (%zu classée%s)." },

    [CC_MSG_RANK_DUPLICATE] = { 422, "duplicate_choice", NULL,
        "La réponse «" NBSP "%s" NBSP "» est classée plusieurs fois"
        NBSP "; donnez-lui un seul rang." },

    [CC_MSG_OTHER_REQUIRED] = { 422, "required", NULL,
        "Vous avez choisi «" NBSP "%s" NBSP "»" NBSP ": précisez votre "
        "réponse." },

    [CC_MSG_OTHER_WITHOUT] = { 422, "other_without_option", NULL,
        "Vous avez précisé une réponse sans choisir «" NBSP "%s" NBSP "»"
        NBSP ": choisissez-la ou effacez ce texte." },
};


const cc_message_t *
cc_message(cc_msg_e id)
{
    return &cc_messages[(unsigned) id < CC_MSG_N ? id
                                               : CC_MSG_UNAVAILABLE_REQUEST];
}
