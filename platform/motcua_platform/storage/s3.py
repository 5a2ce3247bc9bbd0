"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, …) through boto3.

Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` in the
environment, a profile, or an instance role); they are never settings of ours nor in the repository."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO


class S3ObjectStore:
    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None, client=None):
        if client is None:
            import boto3  # only deployments that choose S3 pay for importing it
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}, s3={"addressing_style": "path"}),
            )
        self.client = client
        self.bucket = bucket

    def put(self, key: str, data: BinaryIO, *, content_type: str) -> None:
        # upload_fileobj streams (multipart above 8 MiB); S3 makes the object visible only when complete.
        self.client.upload_fileobj(data, self.bucket, key, ExtraArgs={"ContentType": content_type})

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def keys(self, prefix: str) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]
