#!/usr/bin/env bash
# Deploys thumbdrop's resize function to Google Cloud: a bucket, a service
# account that can read original/ and write thumb/ only, and the function,
# triggered by every new object (Eventarc, google.cloud.storage.object.v1.finalized).
#
#   PROJECT=my-project REGION=europe-west3 BUCKET=my-photos deploy/gcp/deploy.sh
#
# Optional: EXTRA_WIDTHS=640,1280 WEBP=true THUMB_MAX_SIZE=200 MEMORY=512
# Needs the gcloud CLI, logged in (gcloud auth login), and Go (to vendor).
set -euo pipefail
: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${BUCKET:?set BUCKET}"
MEMORY=${MEMORY:-512}
SA=thumbdrop-resize
SA_EMAIL=$SA@$PROJECT.iam.gserviceaccount.com
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
gcloud config set project "$PROJECT" >/dev/null

gcloud services enable cloudfunctions.googleapis.com run.googleapis.com eventarc.googleapis.com \
  cloudbuild.googleapis.com artifactregistry.googleapis.com storage.googleapis.com pubsub.googleapis.com

# The bucket: uniform access, and parts of unfinished uploads dropped after a day.
if ! gcloud storage buckets describe "gs://$BUCKET" >/dev/null 2>&1; then
  gcloud storage buckets create "gs://$BUCKET" --location="$REGION" --uniform-bucket-level-access
fi
gcloud storage buckets update "gs://$BUCKET" --lifecycle-file="$here/lifecycle.json"

# The function's identity: read originals, write thumbnails, nothing else
# (IAM conditions on the object name).
gcloud iam service-accounts describe "$SA_EMAIL" >/dev/null 2>&1 ||
  gcloud iam service-accounts create "$SA" --display-name="thumbdrop resize function"
objects="projects/_/buckets/$BUCKET/objects"
gcloud storage buckets add-iam-policy-binding "gs://$BUCKET" --member="serviceAccount:$SA_EMAIL" \
  --role=roles/storage.objectViewer \
  --condition="title=thumbdrop-read-originals,expression=resource.name.startsWith(\"$objects/original/\")"
gcloud storage buckets add-iam-policy-binding "gs://$BUCKET" --member="serviceAccount:$SA_EMAIL" \
  --role=roles/storage.objectUser \
  --condition="title=thumbdrop-write-thumbnails,expression=resource.name.startsWith(\"$objects/thumb/\")"
# Eventarc delivers events as this account; Cloud Storage publishes them.
gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$SA_EMAIL" \
  --role=roles/eventarc.eventReceiver --condition=None >/dev/null
gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$SA_EMAIL" \
  --role=roles/run.invoker --condition=None >/dev/null
gcs_agent=$(gcloud storage service-agent --project="$PROJECT")
gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:$gcs_agent" \
  --role=roles/pubsub.publisher --condition=None >/dev/null

# The source: the function's module with the repository's resize code
# vendored in (its go.mod points one directory up, which is not uploaded).
cd "$repo/cloudfunction"
go mod vendor
trap 'rm -rf "$repo/cloudfunction/vendor"' EXIT
# ';' separates the variables (gcloud's ^;^ prefix): EXTRA_WIDTHS has commas.
env_vars="^;^ORIGINAL_PREFIX=original/;THUMB_PREFIX=thumb/;FUNCTION_MEMORY_MB=$MEMORY"
env_vars+=";THUMB_MAX_SIZE=${THUMB_MAX_SIZE:-200};WEBP=${WEBP:-false};EXTRA_WIDTHS=${EXTRA_WIDTHS:-}"
gcloud functions deploy thumbdrop-resize --gen2 --region="$REGION" --runtime="${RUNTIME:-go126}" \
  --source=. --entry-point=Resize --memory="${MEMORY}Mi" --timeout=60s \
  --service-account="$SA_EMAIL" --trigger-service-account="$SA_EMAIL" \
  --trigger-event-filters="type=google.cloud.storage.object.v1.finalized" \
  --trigger-event-filters="bucket=$BUCKET" \
  --set-build-env-vars="GOFLAGS=-mod=vendor -tags=nodynamic" \
  --set-env-vars="$env_vars" \
  --retry
echo "deployed: new objects under gs://$BUCKET/original/ get thumbnails under thumb/"
