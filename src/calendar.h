/*
** calendar.h: the working-day calendar (工作日历) that supervision deadlines count on
** (整改时限 "N个工作日"). Pure: no I/O, no clock; callers pass dates and "now".
**
** A working day is Monday to Friday, except the days the State Council's yearly notice
** (国务院办公厅关于……部分节假日安排的通知) gives off, plus the weekend days it makes
** working days in exchange (调休上班). The notice of year Y may reach into year Y-1 (the
** 2023 notice gives 2022-12-31 off), so each listed day keeps the year of its notice, and a
** year counts as KNOWN when its own notice was loaded. Asking about a date of a year that
** is not known is an error, never a guess: a deadline computed without the holidays would
** be wrong by a week around the Spring Festival.
**
** Days are day numbers: days since 1970-01-01 (negative before). Dates in text are
** "YYYY-MM-DD". "Today" is the date in China Standard Time (UTC+8, no daylight saving),
** because an office's deadline ends at midnight in China, not in UTC.
**
** The file format (data/calendar/cn-YYYY.csv, docs/supervision.md): CSV, UTF-8, header
** year,date,kind,name; kind off (放假) or work (上班); lines whose first field starts with
** # are comments (they must not hold double quotes).
*/
#ifndef KP_CALENDAR_H
#define KP_CALENDAR_H
#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DD" (exactly, a real date, years 1900..2999) -> day number. 0, or -1. */
int cal_date_parse(const char *z, int *piDay);
/* Day number -> "YYYY-MM-DD" into z (at least 11 bytes). */
void cal_date_format(int iDay, char *z);
/* Year of a day number. */
int cal_year_of(int iDay);
/* ISO weekday: 1 = Monday .. 7 = Sunday. */
int cal_weekday(int iDay);
/* The date in China (UTC+8) of a Unix time. */
int cal_day_of_time(int64_t t);
/* ISO 8601 UTC "2021-03-05T09:14:27Z" -> Unix seconds. 0, or -1. */
int cal_time_parse(const char *z, int64_t *pt);

typedef struct CalDay {
  int iDay;   /* day number */
  int iYear;  /* year of the notice that lists it */
  int bWork;  /* 1 = 上班 (a weekend day worked), 0 = 放假 */
  char *zName;/* the holiday it belongs to (元旦, 春节 ...), owned */
} CalDay;

typedef struct Calendar {
  CalDay *aDay; /* sorted by iDay, no two alike */
  int nDay, nAlloc;
  int *aYear;   /* known years, sorted */
  int nYear, nYearAlloc;
} Calendar;

void cal_init(Calendar *p);
void cal_free(Calendar *p);
/* Marks year iYear known (its notice was loaded, even if it listed nothing). */
void cal_add_year(Calendar *p, int iYear);
/* Adds one listed day. -1 with *pzErr (malloc'd) when the date is already listed with the
** other kind, when an "off" day is already off, or when a "work" day is not a Saturday or
** Sunday (a make-up working day is always a weekend day). */
int cal_add_day(Calendar *p, int iYear, int iDay, int bWork, const char *zName, char **pzErr);
/* Parses a calendar file held in memory (zName for messages) and adds its years and days.
** Every problem is "FILE: line L, column C: reason"; on error nothing is added. Sets
** *piYearLo / *piYearHi to the years the file holds (may be NULL). 0, or -1 with *pzErr. */
int cal_parse_csv(Calendar *p, const char *zName, const char *zText, size_t nText,
                  int *piYearLo, int *piYearHi, char **pzErr);

/* Is the year known? */
int cal_year_known(const Calendar *p, int iYear);
/* 1 = working day, 0 = day off, -1 = its year is not known. */
int cal_is_workday(const Calendar *p, int iDay);
/* The day on which the n-th working day after iStart falls (iStart itself never counts:
** a finding handed over on a Tuesday with 1 working day is due on Wednesday). n >= 0;
** n = 0 gives iStart. 0, or -1 with *pzErr naming the unknown year. */
int cal_add_workdays(const Calendar *p, int iStart, int n, int *piOut, char **pzErr);
/* Working days d with iFrom < d <= iTo (negative: -(those with iTo < d <= iFrom)), so that
** cal_add_workdays(a, n) = b implies cal_workdays_between(a, b) = n. 0, or -1. */
int cal_workdays_between(const Calendar *p, int iFrom, int iTo, int *pn, char **pzErr);

#endif
