/*
** place.c: datum conversion into GCJ-02 and distances (place.h says which formulas and
** why). Pure, no I/O.
*/
#include "place.h"

#include <math.h>
#include <string.h>

#define PLACE_PI 3.14159265358979324
#define PLACE_A 6378245.0                    /* Krasovsky 1940 semi-major axis, m */
#define PLACE_EE 0.00669342162296594323      /* its first eccentricity squared */

int place_out_of_china(double rLon, double rLat) {
  return rLon < 72.004 || rLon > 137.8347 || rLat < 0.8293 || rLat > 55.8271;
}

static double place_offset_lat(double x, double y) {
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(fabs(x));
  r += (20.0 * sin(6.0 * x * PLACE_PI) + 20.0 * sin(2.0 * x * PLACE_PI)) * 2.0 / 3.0;
  r += (20.0 * sin(y * PLACE_PI) + 40.0 * sin(y / 3.0 * PLACE_PI)) * 2.0 / 3.0;
  r += (160.0 * sin(y / 12.0 * PLACE_PI) + 320.0 * sin(y * PLACE_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

static double place_offset_lon(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(fabs(x));
  r += (20.0 * sin(6.0 * x * PLACE_PI) + 20.0 * sin(2.0 * x * PLACE_PI)) * 2.0 / 3.0;
  r += (20.0 * sin(x * PLACE_PI) + 40.0 * sin(x / 3.0 * PLACE_PI)) * 2.0 / 3.0;
  r += (150.0 * sin(x / 12.0 * PLACE_PI) + 300.0 * sin(x / 30.0 * PLACE_PI)) * 2.0 / 3.0;
  return r;
}

void place_wgs84_to_gcj02(double rLon, double rLat, double *pLon, double *pLat) {
  if (place_out_of_china(rLon, rLat)) {
    *pLon = rLon;
    *pLat = rLat;
    return;
  }
  double dLat = place_offset_lat(rLon - 105.0, rLat - 35.0);
  double dLon = place_offset_lon(rLon - 105.0, rLat - 35.0);
  double radLat = rLat / 180.0 * PLACE_PI;
  double magic = sin(radLat);
  magic = 1 - PLACE_EE * magic * magic;
  double sqrtMagic = sqrt(magic);
  dLat = (dLat * 180.0) / ((PLACE_A * (1 - PLACE_EE)) / (magic * sqrtMagic) * PLACE_PI);
  dLon = (dLon * 180.0) / (PLACE_A / sqrtMagic * cos(radLat) * PLACE_PI);
  *pLat = rLat + dLat;
  *pLon = rLon + dLon;
}

void place_bd09_to_gcj02(double rLon, double rLat, double *pLon, double *pLat) {
  const double xPi = PLACE_PI * 3000.0 / 180.0;
  double x = rLon - 0.0065, y = rLat - 0.006;
  double z = sqrt(x * x + y * y) - 0.00002 * sin(y * xPi);
  double theta = atan2(y, x) - 0.000003 * cos(x * xPi);
  *pLon = z * cos(theta);
  *pLat = z * sin(theta);
}

double place_distance_km(double rLon1, double rLat1, double rLon2, double rLat2) {
  const double R = 6371.0088, k = PLACE_PI / 180.0;
  double dLat = (rLat2 - rLat1) * k, dLon = (rLon2 - rLon1) * k;
  double a = sin(dLat / 2) * sin(dLat / 2) +
             cos(rLat1 * k) * cos(rLat2 * k) * sin(dLon / 2) * sin(dLon / 2);
  return 2 * R * atan2(sqrt(a), sqrt(1 - a));
}

int place_kind_valid(const char *z) {
  return z && (strcmp(z, "red") == 0 || strcmp(z, "youth") == 0 || strcmp(z, "contact") == 0);
}

int place_datum_valid(const char *z) {
  static const char *const az[] = {"GCJ-02", "WGS-84", "BD-09", "unknown", "address", NULL};
  for (int i = 0; z && az[i]; i++)
    if (strcmp(z, az[i]) == 0) return 1;
  return 0;
}

int place_to_gcj02(const char *zDatum, double rLon, double rLat, double *pLon, double *pLat) {
  if (!place_datum_valid(zDatum)) return -1;
  if (strcmp(zDatum, "WGS-84") == 0) place_wgs84_to_gcj02(rLon, rLat, pLon, pLat);
  else if (strcmp(zDatum, "BD-09") == 0) place_bd09_to_gcj02(rLon, rLat, pLon, pLat);
  else {
    *pLon = rLon;
    *pLat = rLat;
  }
  return 0;
}

int place_in_hengyang(double rLon, double rLat) {
  return rLon >= 111.4936 && rLon <= 113.3339 && rLat >= 26.0511 && rLat <= 27.5183;
}
