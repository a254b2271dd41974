/* A host in plain C (the shape a PHP FFI or Python ctypes binding takes): create an engine from
 * JSON documents, record answers, ask for the next item, read a profile, handle an error.
 *
 *   build/examples/c_host
 */
#include <pathwise.h>
#include <stdio.h>

static const char* kCurriculum =
    "{\"format\":\"pathwise-curriculum\",\"version\":\"1.0\","
    "\"skills\":[{\"id\":\"counting\"},{\"id\":\"addition\",\"prerequisites\":[\"counting\"]}],"
    "\"items\":[{\"id\":\"c1\",\"skills\":[\"counting\"]},{\"id\":\"a1\",\"skills\":[\"addition\"]}]}";
static const char* kModel =
    "{\"format\":\"pathwise-bkt-model\",\"version\":\"1.0\",\"skills\":{"
    "\"counting\":{\"prior\":0.5,\"learn\":0.3,\"guess\":0.2,\"slip\":0.1},"
    "\"addition\":{\"prior\":0.2,\"learn\":0.2,\"guess\":0.2,\"slip\":0.1}}}";

int main(void) {
  pathwise_engine_t* engine = NULL;
  char* err = NULL;
  char* json = NULL;
  int64_t now = 1767225600000; /* 2026-01-01, milliseconds since the epoch */
  int i;
  if (pathwise_engine_create(kCurriculum, kModel, NULL, NULL, &engine, &err) != PATHWISE_OK) {
    fprintf(stderr, "create: %s\n", err);
    pathwise_free(err);
    return 1;
  }
  printf("pathwise %s\n", pathwise_version());
  for (i = 0; i < 3; ++i) {
    if (pathwise_recommend(engine, "learner-1", now, &json, &err) != PATHWISE_OK) {
      fprintf(stderr, "recommend: %s\n", err);
      pathwise_free(err);
      break;
    }
    printf("next: %s\n", json);
    pathwise_free(json);
    if (pathwise_record(engine, "learner-1", "c1", 1, now, &err) != PATHWISE_OK) {
      fprintf(stderr, "record: %s\n", err);
      pathwise_free(err);
      break;
    }
    now += 60000;
  }
  if (pathwise_profile(engine, "learner-1", &json, &err) == PATHWISE_OK) {
    printf("profile: %.120s...\n", json);
    pathwise_free(json);
  }
  /* Bad input comes back as a status and a message, never a crash. */
  if (pathwise_record(engine, "learner-1", "no-such-item", 1, now, &err) == PATHWISE_UNKNOWN_ITEM) {
    printf("error as expected: %s\n", err);
  }
  pathwise_free(err); /* NULL after a success: harmless */
  pathwise_engine_destroy(engine);
  return 0;
}
