/*
** test_place.c: unit tests of place.c (cmocka): WGS-84 -> GCJ-02 against the sample points
** published with two independent implementations of the standard formula, BD-09 -> GCJ-02,
** great-circle distances, and the datum dispatch used by the importer.
**
** Published samples (wgsLat, wgsLng -> gcjLat, gcjLng):
**   googollee/eviltransform tests (Python, PHP ports carry the same table):
**     Shanghai (31.1774276, 121.5272106) -> (31.17530398364597, 121.531541859215)
**     Shenzhen (22.543847, 113.912316)   -> (22.540796131694766, 113.9171764808363)
**     Beijing  (39.911954, 116.377817)   -> (39.91334545536069, 116.38404722455657)
**   wandergis/coordtransform test/app.js (lng, lat):
**     wgs84togcj02(116.404, 39.915) -> [116.41024449916938, 39.91640428150164]
**     bd09togcj02(116.404, 39.915)  -> [116.39762729119315, 39.90865673957631]
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "place.h"

#define NEAR(a, b, eps) assert_true(fabs((a) - (b)) < (eps))

static void test_place_wgs84_to_gcj02(void **state) {
  (void)state;
  static const double a[][4] = {
    {31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},
    {22.543847, 113.912316, 22.540796131694766, 113.9171764808363},
    {39.911954, 116.377817, 39.91334545536069, 116.38404722455657},
    {39.915, 116.404, 39.91640428150164, 116.41024449916938},
  };
  for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
    double lon, lat;
    place_wgs84_to_gcj02(a[i][1], a[i][0], &lon, &lat);
    NEAR(lat, a[i][2], 1e-9);
    NEAR(lon, a[i][3], 1e-9);
  }
  /* outside China: unchanged */
  double lon, lat;
  place_wgs84_to_gcj02(2.3522, 48.8566, &lon, &lat);
  assert_true(lon == 2.3522 && lat == 48.8566);
  assert_true(place_out_of_china(2.3522, 48.8566));
  assert_false(place_out_of_china(112.6, 26.9));
}

static void test_place_bd09(void **state) {
  (void)state;
  double lon, lat;
  place_bd09_to_gcj02(116.404, 39.915, &lon, &lat);
  NEAR(lon, 116.39762729119315, 1e-9);
  NEAR(lat, 39.90865673957631, 1e-9);
}

static void test_place_distance(void **state) {
  (void)state;
  /* one degree of latitude on the mean sphere: 6371.0088 * pi / 180 = 111.19508 km */
  NEAR(place_distance_km(112.6, 26.0, 112.6, 27.0), 111.195080, 1e-5);
  NEAR(place_distance_km(112.6, 26.9, 112.6, 26.9), 0.0, 1e-12);
  /* symmetric */
  NEAR(place_distance_km(112.718337, 27.264839, 112.616917, 26.894753),
       place_distance_km(112.616917, 26.894753, 112.718337, 27.264839), 1e-12);
}

static void test_place_datum(void **state) {
  (void)state;
  double lon, lat;
  assert_int_equal(place_to_gcj02("GCJ-02", 112.718337, 27.264839, &lon, &lat), 0);
  assert_true(lon == 112.718337 && lat == 27.264839);
  assert_int_equal(place_to_gcj02("unknown", 113.155907, 27.069044, &lon, &lat), 0);
  assert_true(lon == 113.155907 && lat == 27.069044);
  assert_int_equal(place_to_gcj02("WGS-84", 116.404, 39.915, &lon, &lat), 0);
  NEAR(lon, 116.41024449916938, 1e-9);
  assert_int_equal(place_to_gcj02("BD-09", 116.404, 39.915, &lon, &lat), 0);
  NEAR(lat, 39.90865673957631, 1e-9);
  assert_int_equal(place_to_gcj02("WGS84", 1, 1, &lon, &lat), -1);
  assert_true(place_kind_valid("red") && place_kind_valid("youth") && place_kind_valid("contact"));
  assert_false(place_kind_valid("museum"));
  assert_true(place_in_hengyang(112.718337, 27.264839)); /* 南岳忠烈祠 */
  assert_false(place_in_hengyang(27.264839, 112.718337)); /* lat/lon swapped */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_place_wgs84_to_gcj02), cmocka_unit_test(test_place_bd09),
      cmocka_unit_test(test_place_distance),       cmocka_unit_test(test_place_datum),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
