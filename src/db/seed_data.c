/*
 * seed_data.c: what `wos seed` builds, as tables: the 60 people of Acme
 * Operations with their roles, departments, designations, managers and
 * shifts; the leave requests with the history (flow) each went through; the
 * announcements. seed.c turns them into rows. wos_seed_check_tables() holds
 * the tables to their invariants before anything is written.
 */
#include "db/seed_int.h"

#include "core/common.h"
#include "core/log.h"

#include <string.h>

/* ---- the people ---- */

const struct wos_seed_person wos_seed_people[] = {
    /* 1-2 admins */
    {"Amina", "Siddiqui", "admin", "Operations", "Chief Operating Officer", 0, 'D', 2200, false},
    {"Daniyal", "Qureshi", "admin", "Operations", "IT Administrator", 1, 'D', 1400, false},
    /* 3-5 HR */
    {"Sana", "Malik", "hr_operations", "People & Culture", "Head of People", 1, 'D', 1800, true},
    {"Hamza", "Sheikh", "hr_operations", "People & Culture", "HR Operations Specialist", 3, 'D',
     900, false},
    {"Mahnoor", "Baig", "hr_operations", "People & Culture", "Talent Acquisition Lead", 3, 'D', 500,
     false},
    /* 6-10 managers */
    {"Bilal", "Ahmed", "manager", "Engineering", "Engineering Manager", 1, 'E', 1600, true},
    {"Ayesha", "Raza", "manager", "Product", "Product Manager", 1, 'D', 1300, true},
    {"Usman", "Tariq", "manager", "Customer Support", "Support Manager", 1, 'E', 1500, true},
    {"Sarah", "Mitchell", "manager", "Sales", "Sales Manager", 1, 'E', 1000, true},
    {"Kamran", "Javed", "manager", "Operations", "Operations Manager", 1, 'D', 1700, true},
    /* 11-18 team leads */
    {"Fahad", "Iqbal", "team_lead", "Engineering", "Backend Team Lead", 6, 'E', 1200, false},
    {"Zainab", "Hussain", "team_lead", "Engineering", "Frontend Team Lead", 6, 'E', 1100, false},
    {"Omar", "Farooq", "team_lead", "Engineering", "QA & DevOps Lead", 6, 'E', 950, false},
    {"Hira", "Naveed", "team_lead", "Product", "Design Lead", 7, 'D', 800, false},
    {"Ali", "Haider", "team_lead", "Customer Support", "Support Team Lead", 8, 'E', 1000, false},
    {"Fatima", "Noor", "team_lead", "Customer Support", "Support Rotation Lead", 8, 'R', 700,
     false},
    {"James", "Carter", "team_lead", "Sales", "Sales Team Lead", 9, 'E', 650, false},
    {"Saad", "Rehman", "team_lead", "Operations", "Operations Team Lead", 10, 'D', 900, false},
    /* 19-24 backend team */
    {"Hassan", "Ali", "employee", "Engineering", "Senior Backend Engineer", 11, 'E', 1100, false},
    {"Maryam", "Akhtar", "employee", "Engineering", "Backend Engineer", 11, 'E', 600, false},
    {"Talha", "Mirza", "employee", "Engineering", "Backend Engineer", 11, 'E', 450, false},
    {"Noor", "Shah", "employee", "Engineering", "Backend Engineer", 11, 'E', 380, false},
    {"Rayan", "Khan", "junior_employee", "Engineering", "Junior Backend Engineer", 11, 'E', 200,
     false},
    {"Areeba", "Yousuf", "intern", "Engineering", "Software Engineering Intern", 11, 'E', 45,
     false},
    /* 25-29 frontend team */
    {"Danish", "Mehmood", "employee", "Engineering", "Senior Frontend Engineer", 12, 'E', 1000,
     false},
    {"Emily", "Clarke", "employee", "Engineering", "Frontend Engineer", 12, 'E', 520, false},
    {"Waqas", "Anwar", "employee", "Engineering", "Frontend Engineer", 12, 'E', 410, false},
    {"Iqra", "Saleem", "employee", "Engineering", "UI Engineer", 12, 'E', 300, false},
    {"Haris", "Nadeem", "intern", "Engineering", "Frontend Intern", 12, 'E', 60, false},
    /* 30-33 QA and DevOps */
    {"Zoya", "Ashraf", "employee", "Engineering", "QA Engineer", 13, 'E', 700, false},
    {"Imran", "Latif", "employee", "Engineering", "DevOps Engineer", 13, 'E', 880, false},
    {"Sobia", "Kazmi", "employee", "Engineering", "QA Automation Engineer", 13, 'E', 350, false},
    {"Faizan", "Saeed", "junior_employee", "Engineering", "Junior QA Engineer", 13, 'E', 150,
     false},
    /* 34-38 product */
    {"Rabia", "Aslam", "employee", "Product", "Product Designer", 14, 'D', 640, false},
    {"Michael", "Brooks", "employee", "Product", "Product Analyst", 14, 'D', 420, false},
    {"Hina", "Jamil", "employee", "Product", "UX Researcher", 14, 'D', 330, false},
    {"Shayan", "Abbasi", "intern", "Product", "Product Intern", 14, 'D', 30, false},
    {"Anum", "Rashid", "employee", "Product", "Technical Writer", 7, 'D', 560, false},
    /* 39-43 support, evening */
    {"Adeel", "Chaudhry", "employee", "Customer Support", "Support Specialist", 15, 'E', 610,
     false},
    {"Kiran", "Asif", "employee", "Customer Support", "Support Specialist", 15, 'E', 480, false},
    {"Junaid", "Akram", "employee", "Customer Support", "Senior Support Specialist", 15, 'E', 990,
     false},
    {"Sadia", "Parveen", "employee", "Customer Support", "Support Specialist", 15, 'E', 270, false},
    {"Arslan", "Butt", "junior_employee", "Customer Support", "Junior Support Agent", 15, 'E', 120,
     false},
    /* 44-48 support rotation */
    {"Mehwish", "Tahir", "employee", "Customer Support", "Support Specialist", 16, 'R', 540, false},
    {"Nabeel", "Sultan", "employee", "Customer Support", "Support Specialist", 16, 'R', 400, false},
    {"Laiba", "Imtiaz", "employee", "Customer Support", "Support Specialist", 16, 'R', 230, false},
    {"Owais", "Qadir", "junior_employee", "Customer Support", "Junior Support Agent", 16, 'R', 95,
     false},
    {"Eman", "Zaidi", "intern", "Customer Support", "Support Intern", 16, 'R', 40, false},
    /* 49-54 sales */
    {"Ryan", "Foster", "employee", "Sales", "Account Executive", 17, 'E', 590, false},
    {"Asma", "Hanif", "employee", "Sales", "Account Executive", 17, 'E', 460, false},
    {"Shahzaib", "Khalid", "employee", "Sales", "Sales Development Representative", 17, 'E', 210,
     false},
    {"Nida", "Farhan", "employee", "Sales", "Account Manager", 17, 'E', 760, false},
    {"Zubair", "Hashmi", "junior_employee", "Sales", "Junior Sales Associate", 17, 'E', 180, false},
    {"Amna", "Riaz", "intern", "Sales", "Sales Intern", 17, 'E', 50, false},
    /* 55-59 operations */
    {"Tariq", "Mahmood", "employee", "Operations", "Facilities Coordinator", 18, 'D', 1250, false},
    {"Samina", "Yaqoob", "employee", "Operations", "Finance Officer", 18, 'D', 840, false},
    {"Yasir", "Nawaz", "employee", "Operations", "Procurement Officer", 18, 'D', 530, false},
    {"Umer", "Shafiq", "junior_employee", "Operations", "Junior Operations Associate", 18, 'D', 160,
     false},
    {"Alina", "Wasim", "intern", "Operations", "Operations Intern", 18, 'D', 25, false},
    /* 60 people & culture */
    {"Farah", "Ansari", "employee", "People & Culture", "People Coordinator", 3, 'D', 370, false},
};

/* How many members each system role gets; checked against people[] before seeding. */
static const struct {
    const char *role;
    int count;
} role_counts[] = {
    {"admin", 2},     {"hr_operations", 3},   {"manager", 5}, {"team_lead", 8},
    {"employee", 30}, {"junior_employee", 6}, {"intern", 6},
};

/* ---- the leave requests ---- */

const struct wos_seed_leave wos_seed_leaves[] = {
    {19, -25, 2, "sick", NULL, "approved", "Fever and a sore throat.", "Approved. Get well soon.",
     630, 4},
    {26, -22, 3, "annual", NULL, "approved", "Family trip to Hunza.", "Approved, enjoy the trip!",
     696, 20},
    {40, -20, 1, "casual", NULL, "approved", "Bank and NADRA paperwork.", NULL, 552, 6},
    {50, -18, 1, "half_day", "first_half", "approved", "Parent-teacher meeting at school.",
     "Approved.", 480, 5},
    {31, -16, 1, "wfh", NULL, "approved", "Plumber visiting in the afternoon.", NULL, 408, 2},
    {35, -15, 2, "annual", NULL, "rejected", "Long weekend getaway.",
     "Quarterly planning falls on these dates; please pick the following week.", 480, 26},
    {45, -14, 1, "sick", NULL, "approved", "Migraine.", "Approved. Rest well.", 338, 3},
    {56, -12, 1, "half_day", "second_half", "approved", "Dentist appointment.", NULL, 360, 8},
    {21, -11, 5, "annual", NULL, "approved", "Sister's wedding in Lahore.",
     "Approved. Congratulations to the family!", 600, 30},
    {28, -9, 1, "casual", NULL, "cancelled", "Personal errand.", NULL, 264, 10},
    {42, -8, 2, "wfh", NULL, "approved", "Recovering from a sprained ankle.", NULL, 204, 3},
    {52, -7, 1, "casual", NULL, "clarified_then_approved", "Moving to a new apartment.",
     "Which day exactly? The request said Thursday but the dates say otherwise.", 264, 12},
    {12, -6, 1, "sick", NULL, "approved", "Stomach infection.", "Approved. Get well soon.", 145, 2},
    {36, -5, 1, "half_day", "first_half", "approved", "Vehicle registration renewal.", NULL, 170,
     6},
    {58, -4, 1, "casual", NULL, "rejected", "Cricket match in the afternoon.",
     "Month-end close needs the whole Operations team in.", 168, 20},
    {24, -3, 1, "sick", NULL, "approved", "Fever.", "Approved. Take care.", 74, 3},
    {8, -10, 1, "annual", NULL, "approved", "Attending a friend's nikah in Islamabad.", NULL, 336,
     10},
    {60, -19, 1, "wfh", NULL, "approved", "Internet technician visit.", NULL, 476, 2},
    {33, -13, 1, "sick", NULL, "approved", "Food poisoning.", "Approved. Feel better.", 315, 5},
    {47, -21, 2, "casual", NULL, "cancelled", "Trip to Murree.", NULL, 576, 30},
    {20, 3, 2, "annual", NULL, "pending", "Cousin's wedding in Multan.", NULL, 10, 0},
    {39, 5, 1, "casual", NULL, "pending", "Passport renewal appointment.", NULL, 20, 0},
    {55, 2, 1, "half_day", "second_half", "pending", "Child's sports day at school.", NULL, 5, 0},
    {27, 7, 3, "annual", NULL, "escalated", "Umrah travel with my parents.", NULL, 0, 12},
    {49, 9, 2, "annual", NULL, "escalated_twice", "Family visiting from abroad.", NULL, 0, 20},
    {34, 4, 1, "sick", NULL, "needs_clarification", "Minor medical procedure.",
     "Please confirm whether you need one or two days off.", 30, 5},
    {44, 6, 1, "casual", NULL, "needs_clarification", "Personal matter.",
     "Could you swap the shift with Laiba instead of taking leave?", 26, 8},
    {22, 10, 5, "annual", NULL, "approved", "Annual vacation.", "Approved. Enjoy!", 120, 24},
    {51, 1, 1, "wfh", NULL, "approved", "Home internet upgrade.", NULL, 18, 2},
    {30, 8, 1, "casual", NULL, "cancelled", "Plans changed.", NULL, 50, 20},
    {41, 12, 2, "annual", NULL, "rejected", "Trip to Skardu.",
     "Two support specialists are already off that week.", 70, 30},
    {37, 2, 1, "sick", NULL, "pending", "Follow-up check-up.", NULL, 3, 0},
    {4, 14, 3, "annual", NULL, "pending", "Family holiday.", NULL, 28, 0},
    {14, 11, 1, "wfh", NULL, "pending", "Waiting for a furniture delivery.", NULL, 8, 0},
    {57, 5, 1, "half_day", "first_half", "approved", "Driving test.", NULL, 40, 6},
    {46, 3, 1, "casual", "second_half", "pending", "Doctor's appointment.", NULL, 16, 0},
    {1, 15, 2, "annual", NULL, "pending", "Travel for the board retreat.", NULL, 6, 0},
};

/* ---- the announcements ---- */

const struct wos_seed_announcement wos_seed_announcements[] = {
    {"Welcome to Workforce OS",
     "Assalam-o-Alaikum and welcome, everyone!\n\n"
     "From today, attendance, breaks and leave requests all live in **Workforce OS**. "
     "Check in when your shift starts, log your breaks, and check out before you leave.\n\n"
     "Questions? Ask your team lead or write to the People & Culture team.",
     "all", "active", "normal", NULL, 1, 700, 0, 0},
    {"Public holidays this year",
     "The public holiday calendar is now in the app under **Holidays**.\n\n"
     "Eid dates are tentative and follow the official moon-sighting announcement.\n"
     "The support rotation covers every public holiday; rotation members get a day in lieu.",
     "all", "active", "high", NULL, 3, 520, 0, 0},
    {"Evening shift: dinner and prayer breaks",
     "Dinner and prayer breaks are paid. Please start and end them with the **Break** button "
     "so that the team view stays accurate.\n\n"
     "Reminder: the shift runs 17:00-02:00 PKT with a 15-minute grace period.",
     "all", "active", "normal", "Engineering", 6, 300, 0, 0},
    {"Town hall: Q&A with leadership",
     "Join us on Thursday at 16:00 in the main hall (or on the video call).\n\n"
     "Agenda:\n- Q3 results & <next quarter> goals\n- R&D roadmap\n- Open questions",
     "all", "active", "high", NULL, 1, 48, -48, 240},
    {"Team leads: reviewing end-of-day reports",
     "Please review your team's end-of-day reports by 11:00 the next working day and leave "
     "feedback where a task slipped.",
     "team_lead", "active", "normal", NULL, 3, 150, 0, 0},
    {"Draft: updated leave policy",
     "Draft for review by HR only.\n\n"
     "Annual leave: 20 days. Casual leave: 10 days. Sick leave: 8 days, doctor's note after "
     "two consecutive days.",
     "hr_operations", "draft", "low", NULL, 3, 20, 0, 0},
    {"Office Wi-Fi maintenance",
     "The office Wi-Fi will be down on Saturday from 10:00 to 12:00 for a firmware upgrade.", "all",
     "archived", "low", NULL, 2, 500, -500, -470},
};

const size_t wos_seed_people_len = WOS_ARRAY_LEN(wos_seed_people);
const size_t wos_seed_leaves_len = WOS_ARRAY_LEN(wos_seed_leaves);
const size_t wos_seed_announcements_len = WOS_ARRAY_LEN(wos_seed_announcements);

/* ---- invariants ---- */

static bool is_management(const char *role)
{
    return strcmp(role, "admin") == 0 || strcmp(role, "hr_operations") == 0 ||
           strcmp(role, "manager") == 0 || strcmp(role, "team_lead") == 0;
}

static int check_people(void)
{
    int total = 0;

    for (size_t r = 0; r < WOS_ARRAY_LEN(role_counts); r++) {
        int n = 0;
        for (size_t i = 0; i < WOS_ARRAY_LEN(wos_seed_people); i++)
            n += strcmp(wos_seed_people[i].role, role_counts[r].role) == 0;
        if (n != role_counts[r].count) {
            wos_log(NULL, WOS_LOG_ERROR, "seed: the people table has %d %s, expected %d", n,
                    role_counts[r].role, role_counts[r].count);
            return WOS_ERROR;
        }
        total += n;
    }
    if (total != (int)WOS_ARRAY_LEN(wos_seed_people)) {
        wos_log(NULL, WOS_LOG_ERROR, "seed: the people table holds a role outside the seven");
        return WOS_ERROR;
    }
    for (size_t i = 0; i < WOS_ARRAY_LEN(wos_seed_people); i++) {
        const struct wos_seed_person *p = &wos_seed_people[i];
        int m = p->manager;
        if (m < 0 || m > (int)WOS_ARRAY_LEN(wos_seed_people) || m == (int)i + 1 ||
            (m > 0 && !is_management(wos_seed_people[m - 1].role)) || !strchr("EDR", p->shift) ||
            !p->shift) {
            wos_log(NULL, WOS_LOG_ERROR, "seed: person %zu (%s %s) is inconsistent", i + 1,
                    p->first, p->last);
            return WOS_ERROR;
        }
    }
    return WOS_OK;
}

/* Steps of a flow after "created", each decide_h apart. */
static int flow_steps(const char *flow)
{
    static const struct {
        const char *flow;
        int steps;
    } flows[] = {
        {"pending", 0},
        {"approved", 1},
        {"rejected", 1},
        {"cancelled", 1},
        {"needs_clarification", 1},
        {"clarified_then_approved", 3},
        {"escalated", 0},
        {"escalated_twice", 0},
    };
    for (size_t i = 0; i < WOS_ARRAY_LEN(flows); i++)
        if (strcmp(flow, flows[i].flow) == 0)
            return flows[i].steps;
    return -1;
}

static int check_leaves(void)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(wos_seed_leaves); i++) {
        const struct wos_seed_leave *l = &wos_seed_leaves[i];
        int steps = flow_steps(l->flow);
        bool escalation = strncmp(l->flow, "escalated", 9) == 0;
        bool ok = steps >= 0 && l->who >= 1 && l->who <= (int)WOS_ARRAY_LEN(wos_seed_people) &&
                  l->days >= 1 && (!l->half || l->days == 1) &&
                  (strcmp(l->type, "half_day") != 0 || l->half);
        /* every event lies in the past, after the submission */
        if (escalation)
            ok = ok && l->decide_h >= 1;
        else
            ok = ok && l->created_h > steps * l->decide_h;
        if (!ok) {
            wos_log(NULL, WOS_LOG_ERROR, "seed: leaves[%zu] is inconsistent", i);
            return WOS_ERROR;
        }
    }
    for (size_t i = 0; i < WOS_ARRAY_LEN(wos_seed_announcements); i++) {
        const struct wos_seed_announcement *a = &wos_seed_announcements[i];
        if (a->author < 1 || a->author > (int)WOS_ARRAY_LEN(wos_seed_people) ||
            (a->start_h && a->end_h && a->end_h < a->start_h)) {
            wos_log(NULL, WOS_LOG_ERROR, "seed: announcements[%zu] is inconsistent", i);
            return WOS_ERROR;
        }
    }
    return WOS_OK;
}

int wos_seed_check_tables(void)
{
    return check_people() == WOS_OK && check_leaves() == WOS_OK ? WOS_OK : WOS_ERROR;
}
