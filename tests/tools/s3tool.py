#!/usr/bin/env python3
"""Test helper for the publish tests: talks to the loopback moto server with boto3 (which
moto installs), and rewrites a bag's manifests with the bagit library.

Usage (endpoint and keys from S3TOOL_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY):
  s3tool.py bootstrap             create an IAM user with full rights; print its key pair
  s3tool.py mkbucket BUCKET
  s3tool.py put BUCKET KEY TEXT   store TEXT under KEY
  s3tool.py delete BUCKET KEY
  s3tool.py head BUCKET KEY       print Content-Type and Cache-Control, one a line
  s3tool.py list BUCKET [PREFIX]  print every key, one a line
  s3tool.py rebag DIR             recompute the manifests of the bag in DIR
"""

import json
import os
import sys


def client(service):
    import boto3

    return boto3.client(
        service,
        endpoint_url=os.environ["S3TOOL_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "bootstrap"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "bootstrap"),
    )


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "bootstrap":
        iam = client("iam")
        iam.create_user(UserName="desk")
        key = iam.create_access_key(UserName="desk")["AccessKey"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
        iam.put_user_policy(UserName="desk", PolicyName="all", PolicyDocument=json.dumps(policy))
        print(key["AccessKeyId"])
        print(key["SecretAccessKey"])
    elif command == "mkbucket":
        client("s3").create_bucket(Bucket=args[0])
    elif command == "put":
        client("s3").put_object(Bucket=args[0], Key=args[1], Body=args[2].encode())
    elif command == "delete":
        client("s3").delete_object(Bucket=args[0], Key=args[1])
    elif command == "head":
        head = client("s3").head_object(Bucket=args[0], Key=args[1])
        print(head.get("ContentType", ""))
        print(head.get("CacheControl", ""))
    elif command == "list":
        s3 = client("s3")
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=args[0], Prefix=args[1] if len(args) > 1 else ""
        )
        for page in pages:
            for item in page.get("Contents", []):
                print(item["Key"])
    elif command == "rebag":
        import bagit

        bagit.Bag(args[0]).save(manifests=True)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
