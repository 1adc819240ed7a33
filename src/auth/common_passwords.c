/*
 * common_passwords.c: the bundled list behind the "not a common password"
 * rule (auth/policy.h). Entries are lower case. It holds the most used
 * passwords of public breach corpora and the words they are built from
 * ("password", "welcome", "qwerty", "dragon", first names, sports teams...);
 * the policy strips digits and symbols around a candidate and undoes l33t
 * substitutions before looking here, so "P@ssw0rd2024!" meets "password".
 * The list is data, not configuration: changing it changes which new
 * passwords are accepted, never whether a stored one still verifies.
 */
#include "auth/policy.h"

#include <string.h>

static const char *const listed[] = {
    "000000",     "0000000000",  "0987654321",    "111111",       "1111111111", "112233",
    "121212",     "123123",      "123123123",     "123321",       "1234",       "12345",
    "123456",     "1234567",     "12345678",      "123456789",    "1234567890", "123456a",
    "123654",     "123qwe",      "123qweasd",     "123qweasdzxc", "131313",     "159753",
    "1q2w3e",     "1q2w3e4r",    "1q2w3e4r5t",    "1q2w3e4r5t6y", "1qaz2wsx",   "1qaz2wsx3edc",
    "1qazxsw2",   "222222",      "4815162342",    "555555",       "654321",     "666666",
    "6969",       "696969",      "7777777",       "777777",       "888888",     "987654321",
    "9876543210", "999999",      "a123456",       "aa123456",     "abc123",     "abcd1234",
    "abcdef",     "abcdefg",     "abcdefgh",      "abcdefghij",   "access",     "account",
    "admin",      "adminadmin",  "administrator", "adobe",        "alexander",  "aliens",
    "amanda",     "america",     "andrea",        "andrew",       "angel",      "angels",
    "animal",     "anthony",     "apple",         "arsenal",      "asdasd",     "asdf",
    "asdfasdf",   "asdfgh",      "asdfghjk",      "asdfghjkl",    "ashley",     "asshole",
    "austin",     "azerty",      "baby",          "babygirl",     "badboy",     "banana",
    "barcelona",  "barney",      "baseball",      "basketball",   "batman",     "beautiful",
    "benjamin",   "biteme",      "blahblah",      "blink",        "blowjob",    "blue",
    "bond007",    "boomer",      "booboo",        "boston",       "brandon",    "brandy",
    "buster",     "butterfly",   "calvin",        "camaro",       "cameron",    "canada",
    "captain",    "carlos",      "changeit",      "changeme",     "charles",    "charlie",
    "cheese",     "chelsea",     "chester",       "chicago",      "chicken",    "chocolate",
    "christian",  "cocacola",    "coffee",        "company",      "compaq",     "computer",
    "cookie",     "cool",        "corvette",      "cowboy",       "cowboys",    "cricket",
    "crystal",    "dakota",      "dallas",        "daniel",       "danielle",   "database",
    "default",    "diablo",      "diamond",       "dolphin",      "dolphins",   "donald",
    "dragon",     "dragons",     "eagle",         "eagles",       "edward",     "elephant",
    "elizabeth",  "enter",       "eminem",        "england",      "falcon",     "family",
    "ferrari",    "football",    "forever",       "freedom",      "friends",    "fuckme",
    "fuckoff",    "fuckyou",     "gateway",       "george",       "ginger",     "girl",
    "golden",     "golfer",      "google",        "guest",        "guitar",     "hammer",
    "hannah",     "happy",       "hardcore",      "harley",       "heather",    "hello",
    "helloworld", "hockey",      "hooters",       "horny",        "hunter",     "hunter2",
    "iceman",     "iloveu",      "iloveyou",      "internet",     "jackson",    "jaguar",
    "james",      "jasmine",     "jasper",        "jennifer",     "jessica",    "jesus",
    "jordan",     "jordan23",    "joseph",        "joshua",       "junior",     "justin",
    "killer",     "kitten",      "klaster",       "lakers",       "letmein",    "liverpool",
    "london",     "login",       "lovely",        "loveme",       "loveyou",    "lucky",
    "maggie",     "manager",     "marina",        "marlboro",     "master",     "matrix",
    "matthew",    "maverick",    "melissa",       "mercedes",     "merlin",     "michael",
    "michelle",   "mickey",      "midnight",      "minecraft",    "monday",     "money",
    "monkey",     "monster",     "morgan",        "mother",       "mustang",    "myname",
    "mypass",     "mypassword",  "mysecret",      "mysql",        "nascar",     "nicole",
    "nikita",     "ninja",       "nothing",       "office",       "oliver",     "orange",
    "p4ssword",   "pakistan",    "passw0rd",      "pass",         "passpass",   "passport",
    "password",   "passwd",      "passwort",      "peanut",       "pepper",     "phoenix",
    "pokemon",    "porsche",     "power",         "princess",     "purple",     "pussy",
    "q1w2e3",     "q1w2e3r4",    "q1w2e3r4t5",    "qazwsx",       "qazwsxedc",  "qwe123",
    "qweasd",     "qweasdzxc",   "qwer1234",      "qwert",        "qwerty",     "qwerty123",
    "qwertyu",    "qwertyui",    "qwertyuiop",    "rachel",       "rainbow",    "ranger",
    "rangers",    "realmadrid",  "robert",        "rockyou",      "root",       "rootroot",
    "samantha",   "samsung",     "scooby",        "scooter",      "secret",     "security",
    "server",     "sexy",        "shadow",        "silver",       "smokey",     "snoopy",
    "soccer",     "softball",    "sophie",        "sparky",       "spider",     "spiderman",
    "starwars",   "steelers",    "summer",        "sunshine",     "superman",   "supersecret",
    "system",     "taylor",      "temp",          "temporary",    "tennis",     "test",
    "tester",     "testing",     "thomas",        "thunder",      "tigers",     "tigger",
    "toor",       "trustno1",    "unknown",       "user",         "vanessa",    "victoria",
    "welcome",    "whatever",    "william",       "windows",      "winner",     "winter",
    "workforce",  "workforceos", "xxxxxx",        "yamaha",       "yankees",    "yellow",
    "zaq12wsx",   "zaq1zaq1",    "zxcvbn",        "zxcvbnm",
};

int wos_password_is_listed(const char *lower_word)
{
    for (size_t i = 0; i < sizeof(listed) / sizeof(listed[0]); i++)
        if (strcmp(listed[i], lower_word) == 0)
            return 1;
    return 0;
}
